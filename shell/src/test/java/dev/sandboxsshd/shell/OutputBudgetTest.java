package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class OutputBudgetTest {
    @Test
    void aChannelWaitsAtItsOwnLimitUntilItsSocketDrains() throws Exception {
        OutputBudget budget = new OutputBudget(1000, 100, 10);
        OutputBudget.Account a = budget.account("a");
        a.acquire(60);
        a.acquire(40);
        Thread third = waiting(() -> acquire(a, 30));
        assertEquals(100, a.queued(), "past the channel's limit it waits");
        a.release(60);
        third.join(5000);
        assertFalse(third.isAlive());
        assertEquals(70, a.queued());
        assertEquals(60, budget.used(), "beyond the floor of 10");
    }

    @Test
    void pastTheTotalOnlyTheFloorGoesUntilAnotherChannelDrains() throws Exception {
        OutputBudget budget = new OutputBudget(50, 100, 10);
        OutputBudget.Account a = budget.account("a");
        OutputBudget.Account b = budget.account("b");
        a.acquire(60); // 50 of the total
        b.acquire(10); // its floor, whatever the total
        Thread more = waiting(() -> acquire(b, 10));
        assertEquals(10, b.queued(), "the total is used: it waits");
        a.release(30);
        more.join(5000);
        assertFalse(more.isAlive());
        assertEquals(30, budget.used());
        a.release(30);
        b.release(20);
        assertEquals(0, budget.used());
        assertEquals(0, a.queued() + b.queued());
    }

    @Test
    void aChannelWithNothingQueuedAlwaysSendsOnePacket() throws Exception {
        OutputBudget budget = new OutputBudget(0, 100, 0);
        OutputBudget.Account a = budget.account("a");
        a.acquire(500);
        assertTrue(a.queued() == 500);
        a.release(500);
        assertEquals(0, budget.used());
    }

    private static void acquire(OutputBudget.Account account, long n) {
        try {
            account.acquire(n);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code r} on a new thread and returns once that thread waits (or has ended). */
    private static Thread waiting(Runnable r) throws InterruptedException {
        Thread t = new Thread(r);
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (t.getState() != Thread.State.WAITING && t.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(t.isAlive(), "it did not wait");
        return t;
    }
}
