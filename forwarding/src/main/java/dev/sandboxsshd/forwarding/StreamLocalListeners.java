package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.FilesystemIdentity;
import dev.sandboxsshd.shell.PosixUser;

/**
 * One session's {@code streamlocal-forward@openssh.com} sockets. Each is created by a thread holding the user's
 * filesystem identity (so it is theirs and only where they may create files), made 0600 as OpenSSH's
 * {@code StreamLocalBindMask 0177}, and unlinked when cancelled or when the session ends.
 */
final class StreamLocalListeners {
    private static final Logger LOG = LoggerFactory.getLogger(StreamLocalListeners.class);
    private static final AttributeKey<StreamLocalListeners> KEY = new AttributeKey<>();
    private static final long FILESYSTEM_TIMEOUT_SECONDS = 10;

    private final ConnectionService service;
    private final PosixUser user;
    private final Map<String, Listener> listeners = new HashMap<>();
    private boolean closed;

    private StreamLocalListeners(ConnectionService service, PosixUser user) {
        this.service = service;
        this.user = user;
        service.getSession().addCloseFutureListener(f -> closeAll());
    }

    static StreamLocalListeners of(ConnectionService service, PosixUser user) {
        return service.getSession().computeAttributeIfAbsent(KEY, k -> new StreamLocalListeners(service, user));
    }

    /** Creates and listens on the socket; throws with the reason to log when it cannot. */
    synchronized void listen(String path, boolean unlinkExisting) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (listeners.containsKey(path)) {
            throw new FileAlreadyExistsException(path, null, "already forwarded in this session");
        }
        Listener listener = asUser("streamlocal-bind", () -> bind(path, unlinkExisting));
        listeners.put(path, listener);
        Thread acceptor = new Thread(() -> acceptLoop(listener), "streamlocal-accept-" + user.name());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Stops listening and removes the socket file; false if the path was not forwarded in this session. */
    synchronized boolean cancel(String path) {
        Listener listener = listeners.remove(path);
        if (listener == null) {
            return false;
        }
        stop(listener);
        return true;
    }

    private synchronized void closeAll() {
        closed = true;
        List.copyOf(listeners.values()).forEach(this::stop);
        listeners.clear();
    }

    private Listener bind(String path, boolean unlinkExisting) throws IOException {
        Path socketPath = Path.of(path);
        if (unlinkExisting) {
            Files.deleteIfExists(socketPath);
        } else if (Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(path, null, "path exists and --stream-local-bind-unlink is off");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            // Created as 0777 & ~umask (022): nobody else can write, so nobody else can connect, before this.
            Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
            Object inode = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new Listener(path, server, inode);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void stop(Listener listener) {
        try {
            listener.server.close();
        } catch (IOException e) {
            // already closed
        }
        try {
            asUser("streamlocal-unlink", () -> unlinkIfOurs(listener));
        } catch (IOException e) {
            LOG.warn("cannot remove forwarded socket {} of user={}: {}", listener.path, user.name(), e.getMessage());
        }
    }

    /** Removes the socket unless something else has taken its path since. */
    private static Void unlinkIfOurs(Listener listener) throws IOException {
        Path path = Path.of(listener.path);
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (Objects.equals(now, listener.inode)) {
                Files.delete(path);
            }
        } catch (NoSuchFileException gone) {
            // removed by the user already
        }
        return null;
    }

    private void acceptLoop(Listener listener) {
        while (true) {
            SocketChannel accepted;
            try {
                accepted = listener.server.accept();
            } catch (IOException e) {
                return; // closed by cancel or session end
            }
            ForwardedStreamLocalChannel channel = new ForwardedStreamLocalChannel(listener.path, accepted);
            try {
                service.registerChannel(channel);
                channel.open().addListener(opened -> {
                    if (!opened.isOpened()) {
                        service.unregisterChannel(channel);
                        channel.abandon();
                    }
                });
            } catch (IOException | RuntimeException e) {
                channel.abandon();
                if (!service.getSession().isOpen()) {
                    return;
                }
                LOG.warn("cannot open forwarded-streamlocal channel for {} of user={}: {}", listener.path, user.name(), e.toString());
            }
        }
    }

    private <T> T asUser(String purpose, Callable<T> work) throws IOException {
        try {
            return FilesystemIdentity.callAs(user, purpose, work).get(FILESYSTEM_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (TimeoutException e) {
            throw new IOException("filesystem did not answer within " + FILESYSTEM_TIMEOUT_SECONDS + " s");
        }
    }

    private record Listener(String path, ServerSocketChannel server, Object inode) {
    }
}
