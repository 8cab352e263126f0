package dev.sandboxsshd.forwarding;

import java.util.Optional;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.UserDatabase;

/**
 * MINA's forwarding hook, answered by the {@link ForwardingPolicy}; one log line per refusal. Agent and X11
 * forwarding are never offered.
 */
public final class PolicyForwardingFilter implements ForwardingFilter {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyForwardingFilter.class);
    private final ForwardingPolicy policy;

    public PolicyForwardingFilter(ForwardingPolicy policy) {
        this.policy = policy;
    }

    @Override
    public boolean canForwardAgent(Session session, String requestType) {
        return false;
    }

    @Override
    public boolean canForwardX11(Session session, String requestType) {
        return false;
    }

    @Override
    public boolean canConnect(Type type, SshdSocketAddress address, Session session) {
        Optional<String> refusal = type == Type.Direct
                ? policy.refuseDirectTcp(address.getHostName(), address.getPort())
                : Optional.of("unsupported forwarding type " + type);
        refusal.ifPresent(reason -> LOG.warn("refused local port forward: originator {} user={} target {} port {} reason={}",
                session.getRemoteAddress(), session.getUsername(), address.getHostName(), address.getPort(), reason));
        return refusal.isEmpty();
    }

    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
        String user = session.getUsername();
        Optional<String> refusal = UserDatabase.byName(user)
                .map(u -> policy.refuseTcpListen(u.name(), u.uid(), address.getPort()))
                .orElse(Optional.of("user " + user + " no longer exists"));
        refusal.ifPresent(reason -> LOG.warn("refused remote port forward: originator {} user={} listen {} port {} reason={}",
                session.getRemoteAddress(), user, address.getHostName(), address.getPort(), reason));
        return refusal.isEmpty();
    }
}
