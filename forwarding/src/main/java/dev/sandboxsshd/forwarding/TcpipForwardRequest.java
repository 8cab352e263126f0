package dev.sandboxsshd.forwarding;

import java.util.Objects;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.forward.Forwarder;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.AbstractConnectionServiceRequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcpip-forward} global request ({@code ssh -R}), as MINA's handler, except for the empty host the
 * OpenSSH client sends for {@code -R *:port}: MINA would rewrite it to {@code 0.0.0.0} and echo that in
 * {@code forwarded-tcpip}, which the client rejects, so the forward would be set up and then fail on every
 * connection. It is refused up front instead, with a log line, until the channel echoes the empty host.
 */
public final class TcpipForwardRequest extends AbstractConnectionServiceRequestHandler {
    public static final String REQUEST = "tcpip-forward";
    private static final Logger LOG = LoggerFactory.getLogger(TcpipForwardRequest.class);

    @Override
    public Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) throws Exception {
        if (!REQUEST.equals(request)) {
            return super.process(service, request, wantReply, buffer);
        }
        String host = buffer.getString();
        int port = buffer.getInt();
        Session session = service.getSession();
        if (host.isEmpty() || port < 0 || port > 65535) {
            LOG.warn("refused remote port forward: originator {} user={} listen '{}' port {} reason={}",
                    session.getRemoteAddress(), session.getUsername(), host, port, host.isEmpty()
                            ? "a wildcard listen address (-R *:port) is not supported yet; name the address"
                            : "port out of range");
            return Result.ReplyFailure;
        }
        Forwarder forwarder = Objects.requireNonNull(service.getForwarder(), "No TCP/IP forwarder");
        SshdSocketAddress bound = forwarder.localPortForwardingRequested(new SshdSocketAddress(host, port));
        if (bound == null) {
            return Result.ReplyFailure;
        }
        if (wantReply) {
            Buffer reply = session.createBuffer(SshConstants.SSH_MSG_REQUEST_SUCCESS, Integer.BYTES);
            reply.putUInt(bound.getPort());
            session.writePacket(reply);
        }
        return Result.Replied;
    }
}
