package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.keys.SessionUser;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserIdentity;

/**
 * The {@code tcpip-forward} global request ({@code ssh -R}), in place of MINA's: listeners where the
 * {@link ForwardingPolicy} says (IPv4 and IPv6 loopback by default), port 0 allocated and reported, and each
 * connection opened as {@code forwarded-tcpip} echoing the host exactly as the client sent it (MINA rewrites the
 * empty host of {@code -R *:port} to {@code 0.0.0.0}, which the OpenSSH client rejects). Half-close is kept.
 */
public final class TcpipForwardRequest extends GlobalRequest {
    private static final Logger LOG = LoggerFactory.getLogger(TcpipForwardRequest.class);
    private static final int BACKLOG = 128;
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private final ForwardingPolicy policy;

    public TcpipForwardRequest(ForwardingPolicy policy) {
        super("tcpip-forward");
        this.policy = policy;
    }

    @Override
    Result handle(ConnectionService service, boolean wantReply, Buffer buffer) throws IOException {
        TcpForwardAddress requested = TcpForwardAddress.read(buffer);
        Session session = service.getSession();
        PosixUser account = SessionUser.of(session);
        Optional<String> refusal = requested.refusePort()
                .or(() -> policy.refuseTcpListen(account.name(), account.uid(), (int) requested.port()));
        int boundPort = -1;
        if (refusal.isEmpty()) {
            try {
                boundPort = listen(service, account, requested);
            } catch (IOException e) {
                refusal = Optional.of("cannot bind: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            }
        }
        if (refusal.isPresent()) {
            LOG.warn("refused remote port forward: originator {} user={} listen '{}' port {} reason={}",
                    Addresses.of(session.getRemoteAddress()), LogText.escape(session.getUsername()), LogText.escape(requested.host()),
                    requested.port(), LogText.escape(refusal.get()));
            return Result.ReplyFailure;
        }
        if (wantReply) {
            Buffer reply = session.createBuffer(SshConstants.SSH_MSG_REQUEST_SUCCESS, Integer.BYTES);
            if (requested.port() == 0) {
                reply.putUInt(boundPort); // only for port 0, as RFC 4254 7.1 says
            }
            session.writePacket(reply);
        }
        return Result.Replied;
    }

    /**
     * Binds every address the policy names on one port, the first must bind, the others are best effort; the
     * sockets are made by a thread that is the user, so they and the connections they accept are the user's.
     */
    private int listen(ConnectionService service, PosixUser user, TcpForwardAddress requested) throws IOException {
        String host = requested.host();
        List<InetAddress> addresses = policy.bindAddressesFor(host);
        if (addresses.isEmpty()) {
            throw new UnknownHostException(host);
        }
        List<ServerSocketChannel> sockets = UserIdentity.runAs(user, "tcpip-forward", SOCKET_TIMEOUT,
                () -> bind(addresses, host, (int) requested.port()));
        try {
            int boundPort = ((InetSocketAddress) sockets.get(0).getLocalAddress()).getPort();
            RemoteForwards.of(service).add(requested.boundOn(boundPort).key(), sockets,
                    accepted -> new ForwardedTcpipChannel(host, boundPort, accepted, remoteOf(accepted)), () -> { });
            return boundPort;
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel socket : sockets) {
                socket.close();
            }
            throw e;
        }
    }

    private static List<ServerSocketChannel> bind(List<InetAddress> addresses, String host, int requestedPort)
            throws IOException {
        List<ServerSocketChannel> sockets = new ArrayList<>();
        int port = requestedPort;
        for (InetAddress address : addresses) {
            ServerSocketChannel socket = ServerSocketChannel.open();
            try {
                socket.bind(new InetSocketAddress(address, port), BACKLOG);
            } catch (IOException e) {
                socket.close();
                if (sockets.isEmpty()) {
                    throw e;
                }
                // e.g. no IPv6 on this machine, or only one family's port free: OpenSSH also goes on
                LOG.debug("remote forward {}:{} not also on {}: {}", host, port, address, e.toString());
                continue;
            }
            sockets.add(socket);
            port = ((InetSocketAddress) socket.getLocalAddress()).getPort();
        }
        return sockets;
    }

    private static InetSocketAddress remoteOf(SocketChannel accepted) {
        try {
            return (InetSocketAddress) accepted.getRemoteAddress();
        } catch (IOException e) {
            throw new IllegalStateException("connection already closed", e);
        }
    }
}
