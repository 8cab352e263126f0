package dev.sandboxsshd.server.ops;

import java.net.SocketAddress;
import java.nio.file.CopyOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.scp.common.ScpTransferEventListener;
import org.apache.sshd.server.forward.TcpipServerChannel;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.Handle;
import org.apache.sshd.sftp.server.SftpEventListener;

import dev.sandboxsshd.keys.AuthEvents;
import dev.sandboxsshd.pty.PtyEvents;
import dev.sandboxsshd.server.session.SessionChannelFactory;
import dev.sandboxsshd.server.session.SessionFacts;
import dev.sandboxsshd.shell.Addresses;

/**
 * Turns what MINA and our classes report about a connection into metrics and audit events, all registered at
 * assembly: a session listener (connections, authentication, disconnects), a channel listener (sessions, forwards,
 * bytes), an SFTP event listener (file operations), the authenticator's {@link AuthEvents} and the PTY API's
 * {@link PtyEvents}. Every audit event
 * of a connection carries its id ({@code conn}, MINA's I/O session id). Nothing here blocks.
 */
public final class ConnectionObserver implements SessionListener, ChannelListener, SftpEventListener, AuthEvents,
        PtyEvents, ScpTransferEventListener {
    private static final AttributeKey<String> KEY = new AttributeKey<>();
    private static final AttributeKey<String> DISCONNECT = new AttributeKey<>();
    private static final AttributeKey<Long> OPENED = new AttributeKey<>();
    private static final AttributeKey<HandleBytes> BYTES = new AttributeKey<>();
    private static final AttributeKey<Boolean> ENDED = new AttributeKey<>();

    private final Metrics metrics;
    private final Audit audit;

    /** Where audit events go; {@link #NONE} when there is no audit log. */
    public interface Audit {
        Audit NONE = (event, connection, fields) -> {
        };

        void record(String event, String connection, Object... fields);
    }

    public ConnectionObserver(Metrics metrics, Audit audit) {
        this.metrics = metrics;
        this.audit = audit;
    }

    /** The connection id every audit event of {@code session} carries. */
    public static String id(Session session) {
        return Long.toString(session.getIoSession().getId());
    }

    /** An address as {@code host:port} (no leading slash); null for none. */
    /** As log lines write it ({@link Addresses}), so the two join. */
    static String address(SocketAddress address) {
        return address == null ? null : Addresses.of(address);
    }

    // --- connections

    @Override
    public void sessionCreated(Session session) {
        metrics.connectionAccepted();
        session.setAttribute(OPENED, System.nanoTime());
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated) {
            metrics.authentication(true);
            audit.record("auth", id(session), "result", "success", "user", session.getUsername(),
                    "key", session.getAttribute(KEY), "client", address(session.getRemoteAddress()));
        }
    }

    @Override
    public void sessionDisconnect(Session session, int reason, String msg, String language, boolean initiator) {
        session.setAttribute(DISCONNECT, (initiator ? "server: " : "client: ") + msg);
    }

    @Override
    public void sessionClosed(Session session) {
        Long opened = session.getAttribute(OPENED);
        String reason = session.getAttribute(DISCONNECT);
        audit.record("disconnect", id(session), "client", address(session.getRemoteAddress()),
                "user", session.getUsername(), "reason", reason != null ? reason : "connection closed",
                "duration_ms", opened == null ? null : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened));
    }

    /** A connection refused before authentication ({@link Metrics#REFUSALS}), and the limit behind it, if any. */
    public void refused(String reason, String limit) {
        metrics.connectionRefused(reason);
        if (limit != null) {
            metrics.limitRefused(limit);
        }
    }

    public void limitRefused(String limit) {
        metrics.limitRefused(limit);
    }

    // --- authentication

    @Override
    public void accepted(ServerSession session, String user, String key) {
        session.setAttribute(KEY, key);
    }

    @Override
    public void refused(ServerSession session, String user, String key, String reason) {
        metrics.authentication(false);
        audit.record("auth", id(session), "result", "failure", "user", user, "key", key, "reason", reason,
                "client", address(session.getRemoteAddress()));
    }

    @Override
    public void tooManyFailures(ServerSession session) {
        refused("max_auth_tries", "max_auth_tries");
    }

    // --- channels

    @Override
    public void channelInitialized(Channel channel) {
        channel.setAttribute(ChannelTraffic.KEY, new ChannelTraffic(metrics, ChannelTraffic.kindOf(channel)));
    }

    @Override
    public void channelOpenSuccess(Channel channel) {
        String kind = ChannelTraffic.kindOf(channel);
        if (Metrics.FORWARD_KINDS.contains(kind)) {
            metrics.forwardOpened(kind);
            channel.setAttribute(OPENED, System.nanoTime());
            audit.record("forward_open", id(channel.getSession()), "kind", kind, "channel", channel.getChannelId(),
                    "target", target(channel));
        }
    }

    @Override
    public void channelStateChanged(Channel channel, String hint) {
        if (SessionFacts.STARTED.equals(hint)) {
            SessionFacts facts = SessionFacts.of(channel);
            if (facts == null) {
                return;
            }
            metrics.sessionStarted(facts.kind(), facts.pty());
            ChannelTraffic traffic = channel.getAttribute(ChannelTraffic.KEY);
            if (traffic != null) {
                traffic.kind(facts.kind());
            }
            audit.record("session_start", id(channel.getSession()), "channel", channel.getChannelId(),
                    "kind", facts.kind(), "command", facts.command(), "pty", facts.pty(),
                    "user", channel.getSession().getUsername());
        } else if (SessionChannelFactory.AGENT_FORWARDING.equals(hint)) {
            audit.record("agent_forwarding", id(channel.getSession()), "channel", channel.getChannelId());
        }
    }

    @Override
    public void channelClosed(Channel channel, Throwable reason) {
        if (channel.setAttribute(ENDED, Boolean.TRUE) != null) {
            return; // MINA may signal a forwarding channel's close twice
        }
        ChannelTraffic traffic = channel.getAttribute(ChannelTraffic.KEY);
        long in = traffic == null ? 0 : traffic.received.get();
        long out = traffic == null ? 0 : traffic.sent.get();
        SessionFacts facts = SessionFacts.of(channel);
        if (facts != null) {
            metrics.sessionEnded(facts.pty());
            audit.record("session_end", id(channel.getSession()), "channel", channel.getChannelId(),
                    "kind", facts.kind(), "command", facts.command(), "pty", facts.pty(),
                    "exit_status", facts.exitSignal() == null ? facts.exitStatus() : null,
                    "exit_signal", facts.exitSignal(), "bytes_in", in, "bytes_out", out,
                    "duration_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - facts.startNanos()));
            return;
        }
        Long opened = channel.getAttribute(OPENED);
        String kind = ChannelTraffic.kindOf(channel);
        if (opened != null && Metrics.FORWARD_KINDS.contains(kind)) {
            audit.record("forward_close", id(channel.getSession()), "kind", kind, "channel", channel.getChannelId(),
                    "target", target(channel), "bytes_in", in, "bytes_out", out,
                    "duration_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened));
        }
    }

    private static String target(Channel channel) {
        if (channel instanceof TcpipServerChannel tcpip) {
            SshdSocketAddress exit = tcpip.getTunnelExit();
            return exit == null ? null : exit.getHostName() + ":" + exit.getPort();
        }
        return null;
    }

    // --- legacy SCP (scp -O): one event per file or directory, sent (read) or received (written)

    @Override
    public void endFileEvent(Session session, FileOperation op, Path file, long length,
                             Set<PosixFilePermission> perms, Throwable thrown) {
        audit.record("scp", id(session), "op", op == FileOperation.SEND ? "read" : "write", "path", String.valueOf(file),
                "bytes", length, "result", thrown == null ? "ok" : describe(thrown));
    }

    @Override
    public void endFolderEvent(Session session, FileOperation op, Path file, Set<PosixFilePermission> perms,
                               Throwable thrown) {
        audit.record("scp", id(session), "op", op == FileOperation.SEND ? "readdir" : "mkdir", "path",
                String.valueOf(file), "result", thrown == null ? "ok" : describe(thrown));
    }

    // --- PTY API sessions (no connection: their events carry the session id)

    @Override
    public void ptyCreated(String sessionId, String user, List<String> argv, long pid) {
        metrics.sessionStarted("pty_api", true);
        audit.record("pty_create", null, "session", sessionId, "user", user, "command", String.join(" ", argv),
                "pid", pid);
    }

    @Override
    public void ptyAttached(String sessionId) {
        audit.record("pty_attach", null, "session", sessionId);
    }

    @Override
    public void ptyKilled(String sessionId, String reason) {
        audit.record("pty_kill", null, "session", sessionId, "reason", reason);
    }

    @Override
    public void ptyLimitReached() {
        metrics.limitRefused("max_pty_sessions");
    }

    // --- SFTP (reads and writes are summed per handle and reported at its close)

    private static final class HandleBytes {
        final AtomicLong read = new AtomicLong();
        final AtomicLong written = new AtomicLong();
    }

    private void sftp(ServerSession session, String op, Object path, Throwable thrown, Object... more) {
        metrics.sftp(op, thrown != null);
        audit(session, op, path, thrown, more);
    }

    private void audit(ServerSession session, String op, Object path, Throwable thrown, Object... more) {
        Object[] fields = new Object[6 + more.length];
        fields[0] = "op";
        fields[1] = op;
        fields[2] = "path";
        fields[3] = path == null ? null : path.toString();
        fields[4] = "result";
        fields[5] = thrown == null ? "ok" : describe(thrown);
        System.arraycopy(more, 0, fields, 6, more.length);
        audit.record("sftp", id(session), fields);
    }

    private static String describe(Throwable thrown) {
        String message = thrown.getMessage();
        return message == null ? thrown.getClass().getSimpleName() : thrown.getClass().getSimpleName() + ": " + message;
    }

    @Override
    public void open(ServerSession session, String remoteHandle, Handle localHandle) {
        boolean directory = !(localHandle instanceof FileHandle);
        if (!directory) {
            FileHandle file = (FileHandle) localHandle;
            sftp(session, "open", localHandle.getFile(), null, "mode", file.getOpenOptions().toString());
        }
    }

    @Override
    public void openFailed(ServerSession session, String remotePath, Path localPath, boolean isDirectory,
                           Throwable thrown) {
        sftp(session, isDirectory ? "readdir" : "open", localPath != null ? localPath : remotePath, thrown);
    }

    @Override
    public void read(ServerSession session, String remoteHandle, FileHandle localHandle, long offset, byte[] data,
                     int dataOffset, int dataLen, int readLen, Throwable thrown) {
        if (readLen > 0) {
            bytesOf(localHandle).read.addAndGet(readLen);
        }
        metrics.sftp("read", thrown != null);
        if (thrown != null) {
            audit(session, "read", localHandle.getFile(), thrown);
        }
    }

    @Override
    public void written(ServerSession session, String remoteHandle, FileHandle localHandle, long offset, byte[] data,
                        int dataOffset, int dataLen, Throwable thrown) {
        metrics.sftp("write", thrown != null);
        if (thrown == null) {
            bytesOf(localHandle).written.addAndGet(dataLen);
        } else {
            audit(session, "write", localHandle.getFile(), thrown);
        }
    }

    @Override
    public void closed(ServerSession session, String remoteHandle, Handle localHandle, Throwable thrown) {
        if (!(localHandle instanceof FileHandle)) {
            return;
        }
        HandleBytes bytes = localHandle.getAttribute(BYTES);
        sftp(session, "close", localHandle.getFile(), thrown, "bytes_read", bytes == null ? 0L : bytes.read.get(),
                "bytes_written", bytes == null ? 0L : bytes.written.get());
    }

    private static HandleBytes bytesOf(Handle handle) {
        return handle.computeAttributeIfAbsent(BYTES, k -> new HandleBytes());
    }

    @Override
    public void created(ServerSession session, Path path, Map<String, ?> attrs, Throwable thrown) {
        sftp(session, "mkdir", path, thrown);
    }

    @Override
    public void moved(ServerSession session, Path srcPath, Path dstPath, Collection<CopyOption> opts, Throwable thrown) {
        sftp(session, "rename", srcPath, thrown, "target", dstPath == null ? null : dstPath.toString());
    }

    @Override
    public void removed(ServerSession session, Path path, boolean isDirectory, Throwable thrown) {
        sftp(session, isDirectory ? "rmdir" : "remove", path, thrown);
    }

    @Override
    public void linked(ServerSession session, Path source, Path target, boolean symLink, Throwable thrown) {
        sftp(session, symLink ? "symlink" : "link", source, thrown, "target", target == null ? null : target.toString());
    }

    @Override
    public void modifiedAttributes(ServerSession session, Path path, Map<String, ?> attrs, Throwable thrown) {
        sftp(session, "setstat", path, thrown, "attributes", attrs == null ? null : String.join(",", attrs.keySet()));
    }
}
