package dev.sandboxsshd.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.apache.sshd.common.util.buffer.BufferException;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The "exec" request's data as MINA's ChannelSession reads it (one SSH string, decoded as UTF-8), then
 * {@link ExecRequest}'s check: a command line with a NUL is refused naming its first one; any other reaches the
 * shell whole, as {@code sh -c COMMAND}, whose C strings it must survive. Replayed from
 * {@code ExecRequestFuzzTestInputs/command/} in the unit phase; fuzzing: README "Fuzzing".
 */
class ExecRequestFuzzTest {
    @DictionaryEntries({"\u0000", "; ", "\\0", "\u00ff", "\u00c0\u0080"})
    @FuzzTest
    @Timeout(10)
    void command(byte[] data) {
        String command;
        try {
            command = new ByteArrayBuffer(data).getString();
        } catch (BufferException | IllegalArgumentException notAString) {
            return; // MINA answers a malformed request itself
        }
        Optional<String> refused = ExecRequest.refusal(command);
        int nul = command.indexOf('\0');
        if (nul >= 0) {
            assertEquals(Optional.of("command holds a NUL at offset " + nul), refused);
            return;
        }
        assertTrue(refused.isEmpty(), refused.toString());
        // what the launcher passes to posix_spawn: no argument is cut short
        for (String arg : java.util.List.of("/bin/sh", "-c", command)) {
            assertFalse(arg.contains("\0"));
        }
    }
}
