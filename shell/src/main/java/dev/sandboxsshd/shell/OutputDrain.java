package dev.sandboxsshd.shell;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * When a process that exited has had its output read: the one rule for SSH sessions and PTY API sessions. On pipes,
 * once every copy has reached the end (a background job that keeps them open keeps the session, as with sshd). On a
 * terminal, also once its copy has sat idle in a read for {@link #QUIET} while nothing was being handed on: output
 * still in the terminal is read to its end, but a background job holding the terminal open does not hold the
 * session (sshd closes the terminal when the shell exits). The clock is passed in, so the rule is tested without
 * waiting.
 */
public final class OutputDrain {
    /** Idle time after which a terminal has nothing left to read. */
    public static final Duration QUIET = Duration.ofMillis(200);

    private final boolean terminal;
    private final LongSupplier nanoClock;
    private int open;
    private int handing;
    private long lastMoved;

    /** @param copies how many output copies report here (stdout, and stderr on pipes) */
    public OutputDrain(int copies, boolean terminal, LongSupplier nanoClock) {
        this.open = copies;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
        this.lastMoved = nanoClock.getAsLong();
    }

    /** A copy read bytes and is handing them on (which may block while the client's window is closed). */
    public synchronized void handing() {
        handing++;
        lastMoved = nanoClock.getAsLong();
    }

    /** The bytes reported by {@link #handing()} went out, or could not. */
    public synchronized void handed() {
        handing--;
        lastMoved = nanoClock.getAsLong();
    }

    /** A copy reached the end of its output (EOF, EIO on a terminal, or nobody takes more). */
    public synchronized void ended() {
        open--;
        notifyAll();
    }

    /** The process exited: idle time counts from now at the earliest, so output it wrote last is still read. */
    public synchronized void exited() {
        lastMoved = nanoClock.getAsLong();
    }

    public synchronized boolean allEnded() {
        return open <= 0;
    }

    /** Whether the output counts as read, now. */
    public synchronized boolean drained() {
        return allEnded() || terminal && handing == 0 && nanoClock.getAsLong() - lastMoved >= QUIET.toNanos();
    }

    /** Waits until {@link #drained()}, from the process's exit. */
    public synchronized void awaitDrained() throws InterruptedException {
        exited();
        while (!drained()) {
            // output that moves does not notify: look again when the quiet time could have passed
            long left = handing > 0 ? QUIET.toNanos() : QUIET.toNanos() - (nanoClock.getAsLong() - lastMoved);
            wait(terminal ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)) : 0);
        }
    }

    /** Waits until every copy has ended. */
    public synchronized void awaitEnded() throws InterruptedException {
        while (!allEnded()) {
            wait();
        }
    }
}
