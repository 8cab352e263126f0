package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PtySizeTest {
    @Test
    void acceptsEachSideFromOneToMax() {
        assertEquals(new PtySize(1, PtySize.MAX), new PtySize(1, PtySize.MAX));
        assertEquals(PtySize.MAX, PtySize.checked("rows", PtySize.MAX));
        assertEquals(1, PtySize.checked("rows", 1));
    }

    @Test
    void refusesASideOutOfRangeNamingIt() {
        assertEquals("cols must be between 1 and 10000, got 0",
                assertThrows(IllegalArgumentException.class, () -> new PtySize(0, 24)).getMessage());
        assertEquals("rows must be between 1 and 10000, got 10001",
                assertThrows(IllegalArgumentException.class, () -> new PtySize(80, 10_001)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> PtySize.checked("rows", -1));
    }

    @Test
    void lenientTakesUnknownAsTheDefaultAndClampsTheRest() {
        assertEquals(new PtySize(80, 24), PtySize.lenient(0, -3));
        assertEquals(new PtySize(PtySize.MAX, 7), PtySize.lenient(Integer.MAX_VALUE, 7));
    }
}
