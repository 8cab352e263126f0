package dev.sandboxsshd.shell;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of channel output the daemon holds queued for its clients' sockets (packets handed to the transport whose
 * socket write has not completed), bounded per channel and in total. Each channel may always have {@code floor} bytes
 * queued, so every channel makes progress whatever the others hold; beyond that it takes from the daemon-wide
 * {@code total}, up to {@code perChannel}. A writer that would pass either waits until its socket drains: it stops
 * reading its source (an SFTP session stops answering requests, and so stops opening the client's window; a forward
 * stops reading its socket) and TCP pushes back. Thread-safe.
 */
public final class OutputBudget {
    private static final Logger LOG = LoggerFactory.getLogger(OutputBudget.class);

    private final long total;
    private final long perChannel;
    private final long floor;
    /** Bytes queued beyond the channels' floors. */
    private long used;
    /** The total has been reached and not yet drained below half: logged once per such episode. */
    private boolean exhausted;

    /** @param floor at most {@code perChannel} */
    public OutputBudget(long total, long perChannel, long floor) {
        if (total < 0 || perChannel < 1 || floor < 0 || floor > perChannel) {
            throw new IllegalArgumentException("need 0 <= floor <= perChannel and a total >= 0");
        }
        this.total = total;
        this.perChannel = perChannel;
        this.floor = floor;
    }

    public long total() {
        return total;
    }

    public long perChannel() {
        return perChannel;
    }

    public long floor() {
        return floor;
    }

    /** Bytes queued beyond the channels' floors now. */
    public synchronized long used() {
        return used;
    }

    /** One channel's share: what it has queued. */
    public Account account(String channel) {
        return new Account(channel);
    }

    public final class Account {
        private final String channel;
        private long queued;

        private Account(String channel) {
            this.channel = channel;
        }

        /**
         * Takes {@code n} bytes for a packet about to be queued, waiting while they would pass this channel's limit
         * or (beyond its floor) the total. A channel with nothing queued always sends its packet, so the total is
         * passed by at most a packet per channel.
         */
        public void acquire(long n) throws InterruptedException {
            synchronized (OutputBudget.this) {
                while (true) {
                    long after = queued + n;
                    long fromTotal = beyondFloor(after) - beyondFloor(queued);
                    boolean totalRoom = fromTotal == 0 || used + fromTotal <= total;
                    if (queued == 0 || after <= perChannel && totalRoom) { // a channel with nothing queued always goes
                        queued = after;
                        used += fromTotal;
                        return;
                    }
                    if (!totalRoom && !exhausted) {
                        exhausted = true;
                        LOG.info("output budget reached: {} KiB of client output queued beyond the channels' own {} KiB;"
                                + " channels wait for their sockets (channel={}, --max-queued-output)", used / 1024,
                                floor / 1024, channel);
                    }
                    OutputBudget.this.wait();
                }
            }
        }

        /** Gives back {@code n} bytes whose socket write completed (or failed). */
        public void release(long n) {
            synchronized (OutputBudget.this) {
                long after = Math.max(0, queued - n);
                used -= beyondFloor(queued) - beyondFloor(after);
                queued = after;
                if (exhausted && used <= total / 2) {
                    exhausted = false;
                }
                OutputBudget.this.notifyAll();
            }
        }

        /** Bytes this channel has queued now. */
        public long queued() {
            synchronized (OutputBudget.this) {
                return queued;
            }
        }

        private long beyondFloor(long bytes) {
            return Math.max(0, bytes - floor);
        }
    }
}
