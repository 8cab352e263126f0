package dev.sandboxsshd.server.pty;

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
}
