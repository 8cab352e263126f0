package dev.sandboxsshd.pty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.sandboxsshd.shell.PtySize;

/**
 * {@link PtyFrames#parse} reads every binary frame a PTY WebSocket client sends: it must decode it or throw
 * {@link PtyFrames.BadFrame} with a reason that fits a WebSocket close frame, never anything else.
 * Replayed from {@code PtyFramesFuzzTestInputs/parse/} in the unit phase; fuzzing: README "Fuzzing".
 */
class PtyFramesFuzzTest {
    /** A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 5.5: 125 bytes of payload, 2 of them the code). */
    private static final int MAX_CLOSE_REASON = 123;

    @FuzzTest
    @Timeout(10)
    void parse(byte[] input) {
        // a frame as Jetty hands it over: a window of a larger buffer, not necessarily starting at 0
        byte[] backing = new byte[input.length + 2];
        System.arraycopy(input, 0, backing, 1, input.length);
        ByteBuffer frame = ByteBuffer.wrap(backing, 1, input.length);
        PtyFrames.ClientFrame decoded;
        try {
            decoded = PtyFrames.parse(frame);
        } catch (PtyFrames.BadFrame e) {
            int reason = e.getMessage().getBytes(UTF_8).length;
            assertTrue(reason > 0 && reason <= MAX_CLOSE_REASON, e.getMessage());
            return;
        }
        assertTrue(input.length > 0);
        switch (input[0]) {
            case PtyFrames.READY -> assertTrue(decoded instanceof PtyFrames.Ready, decoded.toString());
            case PtyFrames.DATA -> assertArrayEquals(Arrays.copyOfRange(input, 1, input.length),
                    ((PtyFrames.Input) decoded).bytes());
            case PtyFrames.RESIZE -> {
                assertEquals(5, input.length);
                PtySize size = ((PtyFrames.Resize) decoded).size();
                assertEquals(((input[1] & 0xff) << 8) | (input[2] & 0xff), size.cols());
                assertEquals(((input[3] & 0xff) << 8) | (input[4] & 0xff), size.rows());
            }
            default -> throw new AssertionError("opcode " + input[0] + " accepted as " + decoded);
        }
    }
}
