package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sandboxsshd.shell.FilesystemIdentity;
import dev.sandboxsshd.shell.PosixUser;

/**
 * Listening UNIX sockets made and removed by a thread holding the user's filesystem identity: the socket file is
 * the user's and only where they may create files, mode 0600 as OpenSSH's {@code StreamLocalBindMask 0177}.
 */
final class UserSocketFiles {
    private static final long FILESYSTEM_TIMEOUT_SECONDS = 10;

    /** A bound socket and the inode it made, so that removal never takes a file that replaced it. */
    record Bound(ServerSocketChannel socket, Path path, Object inode) {
    }

    private UserSocketFiles() {
    }

    static Bound bind(PosixUser user, String path, boolean unlinkExisting) throws IOException {
        return asUser(user, "streamlocal-bind", () -> bindHere(Path.of(path), unlinkExisting));
    }

    /** Removes the socket file unless something else has taken its path since. */
    static void remove(PosixUser user, Bound bound) throws IOException {
        asUser(user, "streamlocal-unlink", () -> {
            try {
                Object now = Files.readAttributes(bound.path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                if (Objects.equals(now, bound.inode)) {
                    Files.delete(bound.path);
                }
            } catch (NoSuchFileException gone) {
                // removed by the user already
            }
            return null;
        });
    }

    private static Bound bindHere(Path path, boolean unlinkExisting) throws IOException {
        if (unlinkExisting) {
            Files.deleteIfExists(path);
        } else if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(path.toString(), null, "path exists and --stream-local-bind-unlink is off");
        }
        ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.bind(UnixDomainSocketAddress.of(path));
            // Created as 0777 & ~umask (022): nobody else can write, so nobody else can connect, before this.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            Object inode = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new Bound(socket, path, inode);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static <T> T asUser(PosixUser user, String purpose, Callable<T> work) throws IOException {
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
}
