package dev.sandboxsshd.sftp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Which exec requests are the remote end of a legacy scp transfer (served in-process), the rest go to a shell. */
class ScpCommandsTest {
    @Test
    void toOrFromAmongTheOptions() {
        // -pt: options run together, as OpenSSH's client sends them
        for (String command : List.of("scp -t /tmp/x", "scp -f x", "scp -v -r -d -t .", "scp -pt .", "  scp\t-f   x  ",
                "scp -t")) {
            assertTrue(ScpCommands.isScpServerCommand(command), command);
        }
    }

    @Test
    void anythingElseIsACommandForTheShell() {
        // options end at the first operand, or at --
        for (String command : List.of("scp", "scp a b", "scp x -t", "scp -- -t", "scp -T x", "scp -3 a b", "ls -t",
                "scpx -t .", "/usr/bin/scp -t .", "")) {
            assertFalse(ScpCommands.isScpServerCommand(command), command);
        }
    }
}
