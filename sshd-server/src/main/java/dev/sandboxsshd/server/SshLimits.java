package dev.sandboxsshd.server;

/**
 * OpenSSH's per-connection and pre-authentication limits, with its defaults: {@code MaxStartups 10:30:100},
 * {@code MaxAuthTries 6}, {@code MaxSessions 10}; and a cap on all channels of a connection (forwards included),
 * which sshd does not have and one JVM serving every client needs; and open SFTP handles per session (each holds one
 * of the daemon's descriptors; sftp-server is bounded by its own process's descriptor limit), and the descriptors
 * all SFTP and SCP sessions together leave free ({@code sftpFdReserve}; 0: max(256, a tenth of RLIMIT_NOFILE)).
 */
public record SshLimits(Startups maxStartups, int maxAuthTries, int maxSessions, int maxChannels, int maxSftpHandles,
                        int sftpFdReserve) {
    public SshLimits {
        if (maxAuthTries < 1 || maxSessions < 1 || maxChannels < maxSessions || maxSftpHandles < 1 || sftpFdReserve < 0) {
            throw new IllegalArgumentException("limits must be at least 1, and channels at least sessions");
        }
    }

    /**
     * Unauthenticated connections: from {@code start} on, a new one is refused with probability {@code rate}%,
     * rising linearly to 100% at {@code full}.
     */
    public record Startups(int start, int rate, int full) {
        public Startups {
            if (start < 1 || full < start || rate < 1 || rate > 100) {
                throw new IllegalArgumentException("need 1 <= start <= full and 1 <= rate <= 100");
            }
        }

        /** {@code start:rate:full}, or a single number meaning a hard cap, as sshd_config's MaxStartups. */
        public static Startups parse(String value) {
            String[] parts = value.split(":", -1);
            try {
                if (parts.length == 1) {
                    int n = Integer.parseInt(parts[0]);
                    return new Startups(n, 100, n);
                }
                if (parts.length == 3) {
                    return new Startups(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("'" + value + "' is not START:RATE:FULL or a number");
        }

        /** The chance (0..1) that a new connection is refused while {@code unauthenticated} others are pending. */
        public double dropProbability(int unauthenticated) {
            if (unauthenticated < start) {
                return 0;
            }
            if (unauthenticated >= full) {
                return 1;
            }
            return (rate + (100.0 - rate) * (unauthenticated - start) / (full - start)) / 100.0;
        }

        @Override
        public String toString() {
            return start + ":" + rate + ":" + full;
        }
    }
}
