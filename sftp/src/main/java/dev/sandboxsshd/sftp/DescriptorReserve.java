package dev.sandboxsshd.sftp;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.LibC;
import dev.sandboxsshd.shell.LogText;

/**
 * File descriptors kept free for what is not SFTP or SCP: accepting connections, the API, PTYs, sessions' pipes.
 * Every SFTP and SCP session is one root process's (the daemon's) files, so without this many sessions together
 * could take every descriptor up to RLIMIT_NOFILE (sftp-server has a process, and a limit, per session).
 *
 * <p>The kernel gives out the lowest free descriptor, so the number of a descriptor opened just now says how many
 * are in use below it: an open that gets one at or past {@code RLIMIT_NOFILE - reserve} would leave fewer than the
 * reserve free, and is refused (SSH_FX_FAILURE, as sftp-server's when it runs out), with one log line.
 */
public final class DescriptorReserve {
    private static final Logger LOG = LoggerFactory.getLogger(DescriptorReserve.class);
    private static final LibC C = LibC.INSTANCE;
    private static final int RLIMIT_NOFILE = 7;
    /** The smallest reserve by default; a tenth of the limit when that is more. */
    public static final int DEFAULT_MINIMUM = 256;

    private final long limit;
    private final long reserve;

    private DescriptorReserve(long limit, long reserve) {
        this.limit = limit;
        this.reserve = reserve;
    }

    /** @param reserve descriptors to keep free; 0 for the default, max(256, a tenth of RLIMIT_NOFILE) */
    public static DescriptorReserve of(int reserve) {
        long[] rlimit = new long[2];
        long limit = C.getrlimit(RLIMIT_NOFILE, rlimit) == 0 ? rlimit[0] : Integer.MAX_VALUE;
        return new DescriptorReserve(limit, reserve > 0 ? reserve : Math.max(DEFAULT_MINIMUM, limit / 10));
    }

    public long reserve() {
        return reserve;
    }

    public long limit() {
        return limit;
    }

    /** Refuses an open for {@code path} if it would leave fewer than the reserve free. */
    void check(Session session, Object path) throws SftpException {
        int probe = C.open("/", LibC.O_PATH | LibC.O_CLOEXEC);
        if (probe >= 0) {
            C.close(probe);
        }
        if (probe < 0 || probe >= limit - reserve) {
            LOG.warn("refused sftp open: remote={} user={} path={} reason=fewer than {} file descriptors free"
                            + " (RLIMIT_NOFILE {}, reserved for logins, the API and PTYs)",
                    session.getRemoteAddress(), LogText.escape(session.getUsername()),
                    LogText.escape(String.valueOf(path)), reserve, limit);
            throw new SftpException(SftpConstants.SSH_FX_FAILURE,
                    "Too many open files: the server keeps its last " + reserve + " descriptors for logins");
        }
    }
}
