package dev.sandboxsshd.pty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.pty.PtyFrames.BadFrame;
import dev.sandboxsshd.pty.PtyFrames.ClientFrame;

/**
 * One attached client. Frames are read one at a time (explicit demand): the next input frame is read only once
 * the terminal took the previous one, so a process that stops reading slows the client down. Output the client
 * does not take is counted; past {@link #MAX_UNSENT} it is disconnected, and may reattach for the buffered tail.
 * Public only because Jetty finds the listener methods through a public lookup.
 */
public final class PtyWebSocket implements Session.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PtyWebSocket.class);
    static final long MAX_UNSENT = 8L << 20;
    static final String TERMINATED = "session terminated";
    private static final long DROP_GRACE_SECONDS = 5;

    private final PtySession pty;
    private final AtomicLong unsent = new AtomicLong();
    private volatile Session socket;
    private volatile boolean closing;

    /** Guarded by the session's lock. */
    long cursor;
    /** Guarded by the session's lock. */
    boolean ready;

    PtyWebSocket(PtySession pty) {
        this.pty = pty;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.socket = session;
        if (!pty.attach(this)) {
            closeTerminated();
            return;
        }
        session.demand();
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        ClientFrame frame;
        try {
            frame = PtyFrames.parse(payload);
        } catch (BadFrame e) {
            callback.succeed();
            refuse(e.getMessage());
            return;
        }
        if (frame instanceof PtyFrames.Input in) {
            pty.input(in.bytes(), () -> {
                callback.succeed();
                socket.demand();
            });
            return;
        }
        callback.succeed();
        if (frame instanceof PtyFrames.Ready) {
            pty.ready(this);
        } else if (frame instanceof PtyFrames.Resize rs) {
            try {
                pty.resize(rs.size());
            } catch (IOException e) {
                LOG.warn("pty session {}: resize to {}x{} failed: {}", pty.id, rs.size().cols(), rs.size().rows(), e.getMessage());
            }
        }
        socket.demand();
    }

    @Override
    public void onWebSocketText(String message) {
        refuse("text frames are not part of the PTY protocol; send binary frames");
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        pty.detach(this);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        pty.detach(this);
    }

    /** Called with the session's lock held; never blocks. */
    void sendOutput(byte[] data, int off, int len, long endOffset) {
        if (closing) {
            return;
        }
        if (unsent.addAndGet(len) > MAX_UNSENT) {
            closing = true;
            LOG.warn("pty session {}: disconnecting client {}: more than {} bytes of output unsent", pty.id,
                    socket.getRemoteSocketAddress(), MAX_UNSENT);
            closeThenDrop(StatusCode.TRY_AGAIN_LATER, "client too slow: more than " + MAX_UNSENT
                    + " bytes of output unsent; reattach to get the buffered tail");
            return;
        }
        socket.sendBinary(PtyFrames.output(data, off, len), Callback.from(() -> {
            unsent.addAndGet(-len);
            pty.delivered(endOffset);
        }, failure -> unsent.addAndGet(-len)));
    }

    void sendExitAndClose(int code) {
        if (closing) {
            return;
        }
        closing = true;
        socket.sendBinary(PtyFrames.exit(code), Callback.NOOP);
        socket.close(StatusCode.NORMAL, "exit:" + code, Callback.NOOP);
    }

    void closeTerminated() {
        closing = true;
        Session s = socket;
        if (s != null) {
            s.close(StatusCode.NORMAL, TERMINATED, Callback.NOOP);
        }
    }

    private void refuse(String reason) {
        LOG.warn("pty session {}: closing client {}: protocol violation: {}", pty.id, socket.getRemoteSocketAddress(), reason);
        closing = true;
        socket.close(StatusCode.POLICY_VIOLATION, reason, Callback.NOOP);
        pty.detach(this);
    }

    /** A client that reads nothing would never see the close frame either: drop it after a short grace. */
    private void closeThenDrop(int code, String reason) {
        Session s = socket;
        s.close(code, reason, Callback.NOOP);
        pty.detach(this);
        CompletableFuture.delayedExecutor(DROP_GRACE_SECONDS, TimeUnit.SECONDS).execute(() -> {
            if (s.isOpen()) {
                s.disconnect();
            }
        });
    }
}
