package dev.sandboxsshd.server;

import java.time.Duration;

import dev.sandboxsshd.shell.OutputBudget;

/**
 * What the daemon may hold in memory for its clients beyond what each channel's SSH window already bounds, and when
 * an idle daemon gives memory back.
 *
 * <p>The defaults fit the launcher's 128 MB heap (an 85 MB old generation under the serial collector, ~12 MB of it
 * live at idle): channel output queued for slow sockets is at most {@code queuedOutput} plus 128 KiB per channel
 * (24 MiB, and 6 MiB more for 48 channels), and each channel's input at most its window (2 MiB); README "Limits" has
 * the sum per channel kind.
 *
 * @param queuedOutput bytes of output queued for all channels together beyond each one's floor
 * @param channelOutput bytes of output queued for one channel
 * @param idleGiveBack how long no channel is open and no PTY client attached before the heap is shrunk
 */
public record MemoryLimits(long queuedOutput, long channelOutput, Duration idleGiveBack) {
    static final int DEFAULT_QUEUED_OUTPUT_MIB = 24;
    static final int DEFAULT_CHANNEL_OUTPUT_KIB = 1024;
    /** What each channel may always queue, whatever the others hold: four packets of OpenSSH's 32 KiB. */
    static final long CHANNEL_FLOOR = 128 * 1024;
    static final Duration DEFAULT_IDLE_GIVE_BACK = Duration.ofSeconds(30);

    public MemoryLimits {
        if (queuedOutput < 0 || channelOutput < 1 || idleGiveBack.isNegative() || idleGiveBack.isZero()) {
            throw new IllegalArgumentException("memory limits must be positive");
        }
    }

    public static MemoryLimits defaults() {
        return new MemoryLimits(DEFAULT_QUEUED_OUTPUT_MIB * 1024L * 1024, DEFAULT_CHANNEL_OUTPUT_KIB * 1024L,
                DEFAULT_IDLE_GIVE_BACK);
    }

    OutputBudget outputBudget() {
        return new OutputBudget(queuedOutput, channelOutput, Math.min(CHANNEL_FLOOR, channelOutput));
    }
}
