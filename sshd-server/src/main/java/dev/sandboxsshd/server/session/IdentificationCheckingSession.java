package dev.sandboxsshd.server.session;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

import org.apache.sshd.common.SshException;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.ServerFactoryManager;
import org.apache.sshd.server.session.ServerProxyAcceptor;
import org.apache.sshd.server.session.ServerSessionImpl;
import org.apache.sshd.server.session.SessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.server.ops.ChannelTraffic;
import dev.sandboxsshd.server.ops.Refusals;
import dev.sandboxsshd.server.proxy.ProxyHeader;
import dev.sandboxsshd.server.proxy.ProxyProtocolAcceptor;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/**
 * MINA's server session, with one protected method replaced: {@code readIdentification} first checks that the
 * client's first line starts with {@code SSH-}, as sshd does, and otherwise answers sshd's
 * {@code Invalid SSH identification string.} and closes at once (MINA waited for more on an empty line until the
 * 120 s login grace time, then sent a binary disconnect; garbage got "Unsupported protocol version"). The server's
 * {@link ServerProxyAcceptor} (PROXY protocol) runs before that check rather than inside MINA's.
 * {@code getRemoteAddress} (a default method of {@code Session}) is replaced too: it is the client a PROXY header
 * named, when there was one, so every log line, check and {@code SSH_CONNECTION} sees the real client.
 * {@code doHandleMessage} and {@code writePacket} are MINA's, after counting channel data ({@link ChannelTraffic}).
 * The public {@link #exceptionCaught} is overridden too: a client that goes without a disconnect message (most
 * do) gets one INFO line with the reason instead of MINA's WARN with a stack trace.
 */
public final class IdentificationCheckingSession extends ServerSessionImpl {
    private static final Logger LOG = LoggerFactory.getLogger(IdentificationCheckingSession.class);
    private static final byte[] PREFIX = "SSH-".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INVALID = "Invalid SSH identification string.\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int LOGGED_BYTES = 64;

    IdentificationCheckingSession(ServerFactoryManager server, IoSession ioSession) throws Exception {
        super(server, ioSession);
    }

    /** The session factory to give the server. */
    public static SessionFactory factory(ServerFactoryManager server) {
        return new SessionFactory(server) {
            @Override
            protected ServerSessionImpl doCreateSession(IoSession ioSession) throws Exception {
                return new IdentificationCheckingSession(getServer(), ioSession);
            }
        };
    }

    @Override
    protected void doHandleMessage(Buffer buffer) throws Exception {
        if (ChannelTraffic.isData(buffer)) {
            ChannelTraffic.incoming(connection(), buffer);
        }
        super.doHandleMessage(buffer);
    }

    @Override
    public IoWriteFuture writePacket(Buffer buffer) throws IOException {
        if (ChannelTraffic.isData(buffer)) {
            ChannelTraffic.outgoing(connection(), buffer);
        }
        return super.writePacket(buffer);
    }

    private AbstractConnectionService connection() {
        try {
            return getService(AbstractConnectionService.class); // getConnectionService() is always null in MINA 2.20
        } catch (IllegalStateException none) {
            return null; // channel data before authentication: MINA refuses it
        }
    }

    @Override
    public SocketAddress getRemoteAddress() {
        return getClientAddress();
    }

    @Override
    public void exceptionCaught(Throwable t) {
        State now = state.get();
        if (peerGone(t) && (now == State.Opened || now == State.Graceful)) {
            LOG.info("connection ended: remote={} user={} reason={}", Addresses.of(getClientAddress()),
                    LogText.escape(String.valueOf(getUsername())), LogText.escape(t.getMessage()));
            signalExceptionCaught(t);
            close(true);
            return;
        }
        super.exceptionCaught(t);
    }

    /** The client's end went away (reset, or our write met a closed socket): nothing for an operator to act on. */
    static boolean peerGone(Throwable t) {
        String message = t.getMessage();
        return t instanceof IOException && message != null
                && (message.startsWith("Connection reset") || message.startsWith("Broken pipe"));
    }

    @Override
    protected boolean readIdentification(Buffer buffer) throws Exception {
        ServerProxyAcceptor proxy = getServerProxyAcceptor();
        if (proxy != null) {
            int before = buffer.rpos();
            if (!proxy.acceptServerProxyMetadata(this, buffer)) {
                buffer.rpos(before);
                return false;
            }
        }
        int start = buffer.rpos();
        int seen = Math.min(buffer.available(), PREFIX.length);
        for (int i = 0; i < seen; i++) {
            if (buffer.rawByte(start + i) != PREFIX[i]) {
                refuse(buffer);
                return false;
            }
        }
        try {
            return super.readIdentification(buffer);
        } catch (SshException e) {
            // MINA's own refusals (another protocol version, extra lines) get the same one line
            LOG.warn("refused connection: remote={} reason={}", Addresses.of(getClientAddress()),
                    LogText.escape(e.getMessage()));
            Refusals.connection(this, "identification", null);
            throw e;
        }
    }

    private void refuse(Buffer buffer) throws IOException {
        int length = Math.min(buffer.available(), LOGGED_BYTES);
        byte[] start = new byte[length];
        System.arraycopy(buffer.array(), buffer.rpos(), start, 0, length);
        buffer.rpos(buffer.wpos()); // nothing of it is read as SSH
        if (ProxyHeader.looksLikeHeader(start, 0, length)) {
            LOG.warn("refused connection: remote={} reason={}", Addresses.of(getClientAddress()),
                    ProxyProtocolAcceptor.refusesHeaderFrom());
            Refusals.connection(this, "proxy_protocol", null);
            close(true);
            return;
        }
        LOG.warn("refused connection: remote={} reason=invalid identification string \"{}\"",
                Addresses.of(getClientAddress()),
                LogText.escape(new String(start, StandardCharsets.ISO_8859_1)));
        Refusals.connection(this, "identification", null);
        getIoSession().writeBuffer(new ByteArrayBuffer(INVALID)).addListener(written -> close(true));
    }
}
