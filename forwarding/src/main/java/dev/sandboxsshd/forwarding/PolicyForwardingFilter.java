package dev.sandboxsshd.forwarding;

import java.util.Optional;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;


/**
 * MINA's forwarding hook, answered by the {@link ForwardingPolicy}; one log line per refusal. MINA's agent
 * forwarding is never used: {@link AuthAgentRequest} answers OpenSSH's request on the session channel before MINA
 * would, and the draft's {@code auth-agent-req}, which no client we know sends, is refused here. X11 forwarding is
 * never offered.
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
                Addresses.of(session.getRemoteAddress()), LogText.escape(session.getUsername()), LogText.escape(address.getHostName()),
                address.getPort(), LogText.escape(reason)));
        return refusal.isEmpty();
    }

    /** {@code ssh -R} never reaches MINA's forwarder: {@link TcpipForwardRequest} asks the policy itself. */
    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
        return false;
    }
}
