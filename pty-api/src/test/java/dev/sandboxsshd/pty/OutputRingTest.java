package dev.sandboxsshd.pty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class OutputRingTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void keepsTheNewestBytesAcrossTheWrapAndAddressesThemByOffset() {
        OutputRing ring = new OutputRing(8);
        ring.append(b("abcdef"), 0, 6);
        assertArrayEquals(b("cdef"), ring.copyFrom(2));
        ring.append(b("ghijk"), 0, 5); // wraps: holds "defghijk"
        assertEquals(11, ring.end());
        assertEquals(3, ring.start());
        assertArrayEquals(b("defghijk"), ring.copyFrom(0), "the oldest are dropped first");
        assertArrayEquals(b("jk"), ring.copyFrom(9));
        assertArrayEquals(new byte[0], ring.copyFrom(11));
    }

    @Test
    void aWriteLargerThanTheRingKeepsItsTail() {
        OutputRing ring = new OutputRing(4);
        ring.append(b("0123456789"), 0, 10);
        assertEquals(10, ring.end());
        assertArrayEquals(b("6789"), ring.copyFrom(0));
    }

    @Test
    void growsOnlyAsOutputArrivesAndKeepsEveryByte() {
        OutputRing ring = new OutputRing(1 << 20);
        assertEquals(16 * 1024, ring.allocated());
        byte[] chunk = new byte[10_000];
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            java.util.Arrays.fill(chunk, (byte) i);
            ring.append(chunk, 0, chunk.length);
            all.write(chunk, 0, chunk.length);
        }
        assertEquals(512 * 1024, ring.allocated());
        assertArrayEquals(all.toByteArray(), ring.copyFrom(0));
        for (int i = 0; i < 100; i++) {
            ring.append(chunk, 0, chunk.length);
        }
        assertEquals(1 << 20, ring.allocated(), "never past the capacity");
        assertEquals(1 << 20, ring.copyFrom(0).length);
    }
}
