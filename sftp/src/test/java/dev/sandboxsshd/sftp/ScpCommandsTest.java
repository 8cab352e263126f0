package dev.sandboxsshd.sftp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which exec requests are the remote end of a legacy scp transfer (served in-process), the rest go to a shell. */
class ScpCommandsTest {
    @Test
    void toOrFromAmongTheOptions() {
        assertTrue(ScpCommands.isScpServerCommand("scp -t /tmp/x"));
        assertTrue(ScpCommands.isScpServerCommand("scp -f x"));
        assertTrue(ScpCommands.isScpServerCommand("scp -v -r -d -t ."));
        assertTrue(ScpCommands.isScpServerCommand("scp -pt ."), "options run together, as OpenSSH's client sends");
        assertTrue(ScpCommands.isScpServerCommand("  scp\t-f   x  "));
        assertTrue(ScpCommands.isScpServerCommand("scp -t"));
    }

    @Test
    void anythingElseIsACommandForTheShell() {
        assertFalse(ScpCommands.isScpServerCommand("scp"));
        assertFalse(ScpCommands.isScpServerCommand("scp a b"));
        assertFalse(ScpCommands.isScpServerCommand("scp x -t"), "options end at the first operand");
        assertFalse(ScpCommands.isScpServerCommand("scp -- -t"));
        assertFalse(ScpCommands.isScpServerCommand("scp -T x"));
        assertFalse(ScpCommands.isScpServerCommand("scp -3 a b"));
        assertFalse(ScpCommands.isScpServerCommand("ls -t"));
        assertFalse(ScpCommands.isScpServerCommand("scpx -t ."));
        assertFalse(ScpCommands.isScpServerCommand("/usr/bin/scp -t ."));
        assertFalse(ScpCommands.isScpServerCommand(""));
    }
}
