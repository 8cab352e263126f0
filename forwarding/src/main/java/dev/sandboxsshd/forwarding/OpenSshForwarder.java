package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.net.InetSocketAddress;

import org.apache.sshd.common.forward.DefaultForwarder;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MINA's forwarder, binding remote-forward listeners where the {@link ForwardingPolicy} says (loopback by
 * default) while MINA still echoes the host string the client asked for in {@code forwarded-tcpip}, which the
 * OpenSSH client checks.
 */
public final class OpenSshForwarder extends DefaultForwarder {
    private static final Logger LOG = LoggerFactory.getLogger(OpenSshForwarder.class);
    private final ForwardingPolicy policy;

    public OpenSshForwarder(ConnectionService service, ForwardingPolicy policy) {
        super(service);
        this.policy = policy;
    }

    @Override
    protected InetSocketAddress doBind(SshdSocketAddress requested, IoAcceptor acceptor) throws IOException {
        SshdSocketAddress bind = new SshdSocketAddress(policy.bindAddressFor(requested.getHostName()), requested.getPort());
        try {
            return super.doBind(bind, acceptor);
        } catch (IOException | RuntimeException e) {
            LOG.warn("refused remote port forward: originator {} user={} listen {} port {} reason=cannot bind {}: {}",
                    getSession().getRemoteAddress(), getSession().getUsername(), requested.getHostName(),
                    requested.getPort(), bind, e.getMessage());
            throw e;
        }
    }
}
