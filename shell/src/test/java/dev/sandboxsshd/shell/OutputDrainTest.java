package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The drain rule on a clock the test moves. */
class OutputDrainTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void aTerminalIsDrainedOnceQuietForTheQuietTimeFromTheExit() {
        OutputDrain drain = new OutputDrain(1, true, now::get);
        advanceMillis(10_000); // idle long before the exit: it is the exit the quiet time counts from
        drain.exited();
        advanceMillis(OutputDrain.QUIET.toMillis() - 1);
        assertFalse(drain.drained());
        advanceMillis(1);
        assertTrue(drain.drained());
    }

    @Test
    void outputMovingOnATerminalPutsTheDrainOff() {
        OutputDrain drain = new OutputDrain(1, true, now::get);
        drain.exited();
        advanceMillis(150);
        drain.handing();
        drain.handed();
        advanceMillis(150);
        assertFalse(drain.drained());
        advanceMillis(50);
        assertTrue(drain.drained());
    }

    @Test
    void aTerminalIsNotDrainedWhileItsOutputIsBeingHandedOn() {
        OutputDrain drain = new OutputDrain(1, true, now::get);
        drain.exited();
        drain.handing(); // e.g. blocked on a client whose window is closed
        advanceMillis(60_000);
        assertFalse(drain.drained());
        drain.handed();
        assertFalse(drain.drained());
        advanceMillis(OutputDrain.QUIET.toMillis());
        assertTrue(drain.drained());
    }

    @Test
    void pipesAreDrainedOnlyWhenEveryCopyEnded() throws Exception {
        OutputDrain drain = new OutputDrain(2, false, now::get);
        drain.exited();
        advanceMillis(60_000);
        assertFalse(drain.drained());
        drain.ended();
        assertFalse(drain.drained());
        drain.ended();
        assertTrue(drain.drained());
        drain.awaitDrained();
        drain.awaitEnded();
    }

    @Test
    void anEndedTerminalIsDrainedAtOnce() throws Exception {
        OutputDrain drain = new OutputDrain(1, true, now::get);
        drain.ended();
        drain.awaitDrained();
        assertTrue(drain.drained());
    }

    @Test
    void awaitDrainedReturnsWhenTheLastCopyEndsOnAnotherThread() throws Exception {
        OutputDrain drain = new OutputDrain(1, false, System::nanoTime);
        Thread ender = new Thread(drain::ended);
        ender.start();
        drain.awaitDrained();
        assertTrue(drain.allEnded());
        ender.join();
    }
}
