package dev.sandboxsshd.server.ops;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.session.Session;

/**
 * Where a refusal line is logged, the refusal is also counted: the server's {@link ConnectionObserver} is one of its
 * attributes, so the classes that refuse (limits, the identification and PROXY checks) need no new parameter.
 */
public final class Refusals {
    static final AttributeKey<ConnectionObserver> OBSERVER = new AttributeKey<>();

    private Refusals() {
    }

    public static void attach(FactoryManager server, ConnectionObserver observer) {
        server.setAttribute(OBSERVER, observer);
    }

    /** A connection refused before authentication; {@code limit} is the flag behind it, or null. */
    public static void connection(Session session, String reason, String limit) {
        ConnectionObserver observer = of(session);
        if (observer != null) {
            observer.refused(reason, limit);
        }
    }

    /** Something refused by a limit (README "Limits"), by the limit's flag name without dashes. */
    public static void limit(Session session, String limit) {
        ConnectionObserver observer = of(session);
        if (observer != null) {
            observer.limitRefused(limit);
        }
    }

    private static ConnectionObserver of(Session session) {
        FactoryManager server = session == null ? null : session.getFactoryManager();
        return server == null ? null : server.getAttribute(OBSERVER);
    }
}
