package dev.sandboxsshd.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.function.Executable;

/** Test helper: the call is refused, for this reason. */
public final class Refusals {
    private Refusals() {
    }

    public static Refused refused(Refused.Kind kind, Executable call) {
        Refused e = assertThrows(Refused.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }
}
