package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.UserIdentity;
import dev.sandboxsshd.shell.PosixUser;

/**
 * Listening UNIX sockets made and removed by a thread that is the user: the socket file is the user's and only where
 * they may create files, mode 0600 as OpenSSH's {@code StreamLocalBindMask 0177}, and peers see the user's
 * credentials on it.
 */
final class UserSocketFiles {
    private static final Logger LOG = LoggerFactory.getLogger(UserSocketFiles.class);
    private static final Duration FILESYSTEM_TIMEOUT = Duration.ofSeconds(10);
    /** Where OpenSSH's sshd makes an agent socket's directory, whatever TMPDIR says. */
    private static final Path PRIVATE_DIRECTORY_PARENT = Path.of("/tmp");
    private static final String NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int PRIVATE_DIRECTORY_TRIES = 100;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** sun_path less its terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    /**
     * A bound socket and the {@link #identity} of its file, so that removal never takes a file that replaced it;
     * {@code directory} is the private directory made for it, removed with it, or null.
     */
    record Bound(ServerSocketChannel socket, Path path, Object identity, Path directory) {
    }

    private UserSocketFiles() {
    }

    static Bound bind(PosixUser user, String path, boolean unlinkExisting) throws IOException {
        return asUser(user, "streamlocal-bind", () -> bindHere(Path.of(path), unlinkExisting));
    }

    /**
     * A socket named {@code name} in a fresh directory only the user may enter, as sshd makes the agent socket:
     * mkdtemp's {@code /tmp/ssh-XXXXXXXXXX}, mode 0700, owned by the user since the user makes it.
     */
    static Bound bindInPrivateDirectory(PosixUser user, String name) throws IOException {
        return asUser(user, "private-socket-bind", () -> {
            Path directory = createPrivateDirectory();
            try {
                Bound bound = bindHere(directory.resolve(name), false);
                return new Bound(bound.socket, bound.path, bound.identity, directory);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(directory);
                throw e;
            }
        });
    }

    /**
     * Removes the socket file unless something else has taken its path since, then its private directory if it
     * has one and it is empty (files the user put there stay, as sshd's rmdir leaves them).
     */
    static void remove(PosixUser user, Bound bound) throws IOException {
        asUser(user, "streamlocal-unlink", () -> {
            try {
                if (Objects.equals(identity(bound.path), bound.identity)) {
                    Files.delete(bound.path);
                }
            } catch (NoSuchFileException gone) {
                // removed by the user already
            }
            if (bound.directory != null) {
                try {
                    Files.deleteIfExists(bound.directory);
                } catch (DirectoryNotEmptyException kept) {
                    // the user's own files are in it
                }
            }
            return null;
        });
    }

    /** {@link #remove}, with a failure logged: for a socket whose forward has ended, where nobody waits for an answer. */
    static void removeOrWarn(PosixUser user, Bound bound) {
        try {
            remove(user, bound);
        } catch (IOException e) {
            LOG.warn("cannot remove forwarded socket {} of user={}: {}", bound.path(), user.name(), describe(e));
        }
    }

    /** The kernel's words where there are some ("Permission denied"), as OpenSSH logs them. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fs) {
            return fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** mkdtemp as Java has it: mkdir with mode 0700 (the umask, 022, takes nothing from it) under a fresh name. */
    private static Path createPrivateDirectory() throws IOException {
        for (int attempt = 1; ; attempt++) {
            StringBuilder name = new StringBuilder("ssh-");
            for (int i = 0; i < 10; i++) {
                name.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
            }
            try {
                return Files.createDirectory(PRIVATE_DIRECTORY_PARENT.resolve(name.toString()),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException taken) {
                if (attempt == PRIVATE_DIRECTORY_TRIES) {
                    throw taken;
                }
            }
        }
    }

    private static Bound bindHere(Path path, boolean unlinkExisting) throws IOException {
        Path staging = stagingPathFor(path);
        ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            // bind() makes the file 0777 & ~umask; OpenSSH narrows the umask around it, which a multi-threaded JVM
            // cannot do. So the socket is made and narrowed under a hidden name and only then given its path:
            // nobody ever sees it at that path with any other mode.
            socket.bind(UnixDomainSocketAddress.of(staging));
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rw-------"));
            if (unlinkExisting) {
                Files.move(staging, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                // link() never replaces: whatever is at the path is kept and the forward refused
                try {
                    Files.createLink(path, staging);
                } catch (FileAlreadyExistsException raced) {
                    throw new FileAlreadyExistsException(path.toString(), null, "path exists and --stream-local-bind-unlink is off");
                }
                Files.delete(staging);
            }
            return new Bound(socket, path, identity(path), null);
        } catch (IOException | RuntimeException e) {
            socket.close();
            Files.deleteIfExists(staging);
            throw e;
        }
    }

    /**
     * A fresh hidden name next to the target, so that link and rename stay within one filesystem; short enough to
     * fit a socket address (108 bytes) wherever the target itself would.
     */
    static Path stagingPathFor(Path path) {
        Path dir = path.getParent();
        int room = MAX_SOCKET_PATH_BYTES - (dir == null ? 0 : dir.toString().getBytes(StandardCharsets.UTF_8).length + 1) - 1;
        String random = Long.toHexString(RANDOM.nextLong() | Long.MIN_VALUE);
        return path.resolveSibling("." + random.substring(0, Math.max(4, Math.min(random.length(), room))));
    }

    /**
     * What tells the file made apart from one put at its path since: the inode alone does not, as ext4 gives a
     * freed inode number to the next file at once; with it, the type (a socket) and the last change (ctime).
     */
    private static Object identity(Path path) throws IOException {
        return Files.readAttributes(path, "unix:dev,ino,mode,ctime", LinkOption.NOFOLLOW_LINKS);
    }

    private static <T> T asUser(PosixUser user, String purpose, Callable<T> work) throws IOException {
        return UserIdentity.runAs(user, purpose, FILESYSTEM_TIMEOUT, work);
    }
}
