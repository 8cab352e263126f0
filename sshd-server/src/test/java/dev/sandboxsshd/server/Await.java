package dev.sandboxsshd.server;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Waits on a condition with a deadline (never a fixed sleep). */
public final class Await {
    private Await() {
    }

    public static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** The first non-null value {@code supplier} gives within the timeout. */
    public static <T> T value(String what, Duration timeout, Callable<T> supplier) throws Exception {
        Object[] got = new Object[1];
        until(what, timeout, () -> (got[0] = supplier.call()) != null);
        @SuppressWarnings("unchecked")
        T value = (T) got[0];
        return value;
    }
}
