package dev.sandboxsshd.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.server.ops.Refusals;
import dev.sandboxsshd.shell.Addresses;

/**
 * sshd's MaxStartups: counts connections that have not authenticated yet and closes a new one past the limit as
 * soon as it exists, before anything is read from it. With the count bounded, so is the memory that connections
 * waiting to authenticate can hold, whatever the flood. (MINA's accept event would be earlier, but a connection
 * refused there is never closed: its socket leaks.)
 */
final class StartupLimiter implements SessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(StartupLimiter.class);

    private final SshLimits.Startups limit;
    private final Set<Session> pending = ConcurrentHashMap.newKeySet();

    StartupLimiter(SshLimits.Startups limit) {
        this.limit = limit;
    }

    @Override
    public void sessionCreated(Session session) {
        int now = pending.size();
        double drop = limit.dropProbability(now);
        if (drop > 0 && ThreadLocalRandom.current().nextDouble() < drop) {
            LOG.warn("refused connection: remote={} reason=past MaxStartups {} ({} unauthenticated)",
                    Addresses.of(session.getRemoteAddress()), limit, now);
            Refusals.connection(session, "max_startups", "max_startups");
            session.close(true);
            return;
        }
        pending.add(session);
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated) {
            pending.remove(session);
        }
    }

    @Override
    public void sessionClosed(Session session) {
        pending.remove(session);
    }
}
