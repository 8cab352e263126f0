package dev.sandboxsshd.server;

import java.time.Duration;

/**
 * sshd's {@code ClientAliveInterval} and {@code ClientAliveCountMax}: after {@code interval} with nothing from the
 * client a keepalive wanting a reply is sent, and a connection that left {@code countMax} of them in a row unanswered
 * is closed. An interval of zero sends none; a count of zero sends them and never closes (both as sshd).
 */
public record ClientAlive(Duration interval, int countMax) {
    public ClientAlive {
        if (interval.isNegative() || countMax < 0) {
            throw new IllegalArgumentException("interval and count must not be negative");
        }
    }

    boolean sends() {
        return !interval.isZero();
    }

    boolean closes() {
        return sends() && countMax > 0;
    }

    /** How long a client may be silent before its connection is closed: the keepalives, then one more interval. */
    Duration silenceLimit() {
        return interval.multipliedBy(countMax + 1L);
    }
}
