package dev.sandboxsshd.server.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.sshd.common.SshException;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.ServerFactoryManager;
import org.apache.sshd.server.session.ServerSessionImpl;
import org.apache.sshd.server.session.SessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.LogText;

/**
 * MINA's server session, with one protected method replaced: {@code readIdentification} first checks that the
 * client's first line starts with {@code SSH-}, as sshd does, and otherwise answers sshd's
 * {@code Invalid SSH identification string.} and closes at once (MINA waited for more on an empty line until the
 * 120 s login grace time, then sent a binary disconnect; garbage got "Unsupported protocol version").
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
    public void exceptionCaught(Throwable t) {
        State now = state.get();
        if (peerGone(t) && (now == State.Opened || now == State.Graceful)) {
            LOG.info("connection ended: remote={} user={} reason={}", getClientAddress(),
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
            LOG.warn("refused connection: remote={} reason={}", getClientAddress(), LogText.escape(e.getMessage()));
            throw e;
        }
    }

    private void refuse(Buffer buffer) throws IOException {
        int length = Math.min(buffer.available(), LOGGED_BYTES);
        byte[] start = new byte[length];
        System.arraycopy(buffer.array(), buffer.rpos(), start, 0, length);
        buffer.rpos(buffer.wpos()); // nothing of it is read as SSH
        LOG.warn("refused connection: remote={} reason=invalid identification string \"{}\"", getClientAddress(),
                LogText.escape(new String(start, StandardCharsets.ISO_8859_1)));
        getIoSession().writeBuffer(new ByteArrayBuffer(INVALID)).addListener(written -> close(true));
    }
}
