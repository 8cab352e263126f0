package dev.sandboxsshd.pty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import dev.sandboxsshd.shell.PtySize;

/** The PTY WebSocket frames, byte by byte, and each refusal's close reason. */
class PtyFramesTest {
    private static PtyFrames.ClientFrame parse(int... bytes) throws PtyFrames.BadFrame {
        byte[] frame = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            frame[i] = (byte) bytes[i];
        }
        return PtyFrames.parse(ByteBuffer.wrap(frame));
    }

    private static String refusal(int... bytes) {
        return assertThrows(PtyFrames.BadFrame.class, () -> parse(bytes)).getMessage();
    }

    private static byte[] bytes(ByteBuffer frame) {
        byte[] out = new byte[frame.remaining()];
        frame.get(out);
        return out;
    }

    @Test
    void ready() throws Exception {
        assertInstanceOf(PtyFrames.Ready.class, parse(0x02));
    }

    @Test
    void inputIsTheBytesAfterTheOpcode() throws Exception {
        assertArrayEquals(new byte[] {'l', 's', '\r'}, ((PtyFrames.Input) parse(0x00, 'l', 's', '\r')).bytes());
        assertArrayEquals(new byte[0], ((PtyFrames.Input) parse(0x00)).bytes());
    }

    @Test
    void resizeIsColsThenRowsUnsignedBigEndian() throws Exception {
        assertEquals(new PtySize(132, 50), ((PtyFrames.Resize) parse(0x01, 0, 132, 0, 50)).size());
        assertEquals(new PtySize(1, 1), ((PtyFrames.Resize) parse(0x01, 0, 1, 0, 1)).size());
        assertEquals(new PtySize(PtySize.MAX, PtySize.MAX),
                ((PtyFrames.Resize) parse(0x01, PtySize.MAX >> 8, PtySize.MAX & 0xff, PtySize.MAX >> 8, PtySize.MAX & 0xff)).size());
    }

    @Test
    void resizeOutOfRangeOrOfTheWrongLength() {
        assertEquals("resize: cols must be between 1 and 10000, got 0", refusal(0x01, 0, 0, 0, 24));
        assertEquals("resize: rows must be between 1 and 10000, got 0", refusal(0x01, 0, 80, 0, 0));
        assertEquals("resize: cols must be between 1 and 10000, got 10001", refusal(0x01, 0x27, 0x11, 0, 24));
        assertEquals("resize: cols must be between 1 and 10000, got 65535", refusal(0x01, 0xff, 0xff, 0xff, 0xff));
        assertEquals("resize frame needs 4 bytes after the opcode, got 3", refusal(0x01, 0, 80, 0));
        assertEquals("resize frame needs 4 bytes after the opcode, got 5", refusal(0x01, 0, 80, 0, 24, 0));
        assertEquals("resize frame needs 4 bytes after the opcode, got 0", refusal(0x01));
    }

    @Test
    void emptyFramesAndUnknownOpcodes() {
        assertEquals("empty frame", refusal());
        assertEquals("unknown opcode 0x03", refusal(0x03), "EXIT is the server's");
        assertEquals("unknown opcode 0x7f", refusal(0x7f));
        assertEquals("unknown opcode 0xff", refusal(0xff, 1, 2));
    }

    @Test
    void serverFrames() {
        assertArrayEquals(new byte[] {0x00, 'b', 'c'}, bytes(PtyFrames.output(new byte[] {'a', 'b', 'c', 'd'}, 1, 2)));
        assertArrayEquals(new byte[] {0x00}, bytes(PtyFrames.output(new byte[0], 0, 0)));
        assertArrayEquals(new byte[] {0x03, 0, 0, 0, 42}, bytes(PtyFrames.exit(42)));
        assertArrayEquals(new byte[] {0x03, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, bytes(PtyFrames.exit(-1)));
    }
}
