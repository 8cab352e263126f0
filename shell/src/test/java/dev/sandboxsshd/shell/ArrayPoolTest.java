package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ArrayPoolTest {
    @Test
    void givenArrayIsTakenAgainAndAnEmptyPoolMakesNewOnes() {
        ArrayPool pool = new ArrayPool(64, 2);
        byte[] first = pool.take();
        assertEquals(64, first.length);
        pool.give(first);
        assertSame(first, pool.take());
        assertNotSame(first, pool.take());
    }

    @Test
    void keepsOnlyArraysOfItsSizeAndAtMostItsCapacity() {
        ArrayPool pool = new ArrayPool(64, 2);
        pool.give(new byte[63]);
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        byte[] c = new byte[64];
        pool.give(a);
        pool.give(b);
        pool.give(c); // over capacity: dropped
        assertSame(a, pool.take());
        assertSame(b, pool.take());
        byte[] fresh = pool.take();
        assertNotSame(c, fresh);
        assertEquals(64, fresh.length);
    }
}
