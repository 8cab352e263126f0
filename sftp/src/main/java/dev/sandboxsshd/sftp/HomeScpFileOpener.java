package dev.sandboxsshd.sftp;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystem;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.io.DirectoryScanner;
import org.apache.sshd.scp.common.ScpException;
import org.apache.sshd.scp.common.ScpFileOpener;
import org.apache.sshd.scp.common.ScpTargetStreamResolver;
import org.apache.sshd.scp.common.helpers.ScpTimestampCommandDetails;
import org.apache.sshd.scp.common.helpers.DefaultScpFileOpener;
import org.apache.sshd.scp.common.helpers.ScpAckInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.OwnProcfs;

/**
 * Legacy SCP file access: paths relative to the user's home, as {@code scp -t}/{@code scp -f} run by sshd would
 * see them, and failures worded as OpenSSH's scp words them ({@code scp: PATH: Permission denied}).
 * MINA's existence and access probes use access(2), which checks the real uid (the daemon's holder id, not the
 * user's); {@code resolveOutgoingFilePath}, {@code resolveIncomingReceiveLocation}, {@code resolveIncomingFilePath},
 * {@code createScpTargetStreamResolver} and {@code getMatchingFilesToSend} replace them by stat(2), mkdir(2) and open(2) as the user.
 */
final class HomeScpFileOpener extends DefaultScpFileOpener {
    private static final Logger LOG = LoggerFactory.getLogger(HomeScpFileOpener.class);
    private final Path home;
    private final DescriptorReserve reserve;

    HomeScpFileOpener(Path home, DescriptorReserve reserve) {
        this.home = home;
        this.reserve = reserve;
    }

    /** A path reaching the daemon's own process in procfs is refused ({@link OwnProcfs}), with one line. */
    @Override
    public Path resolveLocalPath(Session session, FileSystem fileSystem, String commandPath) throws IOException {
        Path path = HomeRelativePaths.expand(fileSystem, home, commandPath).normalize();
        try {
            try {
                OwnProcfs.check(path.toString(), false);
            } catch (NoSuchFileException e) {
                if (path.getParent() != null) {
                    OwnProcfs.check(path.getParent().toString(), true);
                }
            }
        } catch (OwnProcfs.Refused e) {
            throw refused(session, path, e);
        } catch (IOException e) {
            // the copy meets the same error, and reports it
        }
        return path;
    }

    static ScpException refused(Session session, Path path, OwnProcfs.Refused e) {
        LOG.warn("refused scp path: remote={} user={} path={} reason={}",
                Addresses.of(session.getRemoteAddress()),
                LogText.escape(session.getUsername()), LogText.escape(path.toString()), OwnProcfs.REASON);
        return scpError(path, e);
    }

    @Override
    public Path resolveOutgoingFilePath(Session session, Path localPath, LinkOption... options) throws IOException {
        try {
            UserStat.of(localPath, options);
        } catch (IOException e) {
            throw scpError(localPath, e);
        }
        return localPath;
    }

    /** The target of {@code scp -t -d}: a directory, as stat(2) as the user finds it. */
    @Override
    public Path resolveIncomingReceiveLocation(Session session, Path path, boolean recursive, boolean shouldBeDir,
                                               boolean preserve) throws IOException {
        if (shouldBeDir) {
            try {
                if (!UserStat.of(path).isDirectory()) {
                    throw new ScpException("scp: " + path + ": Not a directory", ScpAckInfo.ERROR);
                }
            } catch (ScpException e) {
                throw e;
            } catch (IOException e) {
                throw scpError(path, e);
            }
        }
        return path;
    }

    /**
     * A directory received ({@code scp -r}): inside the target if that is a directory, else the target itself,
     * made by mkdir(2) as the user; one that exists already is used as it is, as OpenSSH's sink does.
     */
    @Override
    public Path resolveIncomingFilePath(Session session, Path localPath, String name, boolean preserve,
                                        Set<PosixFilePermission> permissions, ScpTimestampCommandDetails time)
            throws IOException {
        Path dir = isDirectory(localPath) ? localPath.resolve(name) : localPath;
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!isDirectory(dir)) {
                throw scpError(dir, new NotDirectoryException(dir.toString()));
            }
        } catch (IOException e) {
            throw scpError(dir, e);
        }
        if (preserve) {
            ScpFileOpener.updateFileProperties(dir, permissions, time);
        }
        return dir;
    }

    /** A file received: into the target if that is a directory, else as the target; opened as the user. */
    @Override
    public ScpTargetStreamResolver createScpTargetStreamResolver(Session session, Path path) throws IOException {
        return new ScpTargetStreamResolver() {
            private Path file;

            @Override
            public OutputStream resolveTargetStream(Session s, String name, long length,
                                                    Set<PosixFilePermission> perms, OpenOption... options)
                    throws IOException {
                file = isDirectory(path) ? path.resolve(name) : path;
                return openWrite(s, file, length, perms, options);
            }

            @Override
            public void closeTargetStream(Session s, String name, long length, Set<PosixFilePermission> perms,
                                          OutputStream stream) throws IOException {
                closeWrite(s, file, length, perms, stream);
            }

            @Override
            public Path getEventListenerFilePath() {
                return file == null ? path : file;
            }

            @Override
            public void postProcessReceivedData(String name, boolean preserve, Set<PosixFilePermission> perms,
                                                ScpTimestampCommandDetails time) throws IOException {
                if (preserve) {
                    ScpFileOpener.updateFileProperties(file, perms, time);
                }
            }
        };
    }

    /**
     * The files a wildcard ({@code scp -f dir/*}) names, listed as the user; MINA's scanner first asked access(2)
     * whether the directory exists.
     */
    @Override
    public Iterable<Path> getMatchingFilesToSend(Session session, Path basedir, String pattern) throws IOException {
        if (pattern == null || pattern.isEmpty()) {
            return List.of();
        }
        try {
            if (!UserStat.of(basedir).isDirectory()) {
                throw new ScpException("scp: " + basedir + ": Not a directory", ScpAckInfo.ERROR);
            }
            return new UserScanner(basedir, pattern).matches();
        } catch (ScpException e) {
            throw e;
        } catch (IOException e) {
            throw scpError(basedir, e);
        }
    }

    /** MINA's pattern matching over a directory already found by stat(2). */
    private static final class UserScanner extends DirectoryScanner {
        UserScanner(Path dir, String pattern) {
            super(dir, pattern);
        }

        List<Path> matches() throws IOException {
            return scandir(getBasedir(), getBasedir(), new ArrayList<>());
        }
    }

    /** stat(2) as the user; any error (none there, no search permission) reads as "not a directory". */
    private static boolean isDirectory(Path path) {
        try {
            return UserStat.of(path).isDirectory();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * MINA opens a file only after announcing it to the client, when an error can no longer be reported; like
     * OpenSSH's scp, find out first whether the user may read it.
     */
    @Override
    public boolean sendAsRegularFile(Session session, Path path, LinkOption... options) throws IOException {
        boolean regular = super.sendAsRegularFile(session, path, options);
        if (regular) {
            try (SeekableByteChannel probe = UserFileChannels.open(path, Set.of(StandardOpenOption.READ))) {
                // readable
            } catch (OwnProcfs.Refused e) {
                throw refused(session, path, e);
            } catch (IOException e) {
                throw scpError(path, e);
            }
        }
        return regular;
    }

    @Override
    public InputStream openRead(Session session, Path file, long size, Set<PosixFilePermission> permissions,
                                OpenOption... options) throws IOException {
        try {
            reserve.check(session, file);
            // exactly the size announced, as OpenSSH's source sends: a file that grew (or a /proc file, whose size is 0)
            // would otherwise send bytes the client reads as the next protocol line
            return new SizedInput(Channels.newInputStream(UserFileChannels.open(file,
                    Set.of(StandardOpenOption.READ))), size);
        } catch (OwnProcfs.Refused e) {
            throw refused(session, file, e);
        } catch (IOException e) {
            throw scpError(file, e);
        }
    }

    /**
     * As OpenSSH's scp sink: an existing file is not truncated when it is opened but cut to the received size once
     * every byte has arrived, so copying a file onto itself keeps it, and an interrupted copy never leaves it empty.
     */
    @Override
    public OutputStream openWrite(Session session, Path file, long size, Set<PosixFilePermission> permissions,
                                  OpenOption... options) throws IOException {
        try {
            reserve.check(session, file);
            // a new file gets the mode the protocol carries, under the umask, as OpenSSH's sink creates it
            FileAttribute<?>[] mode = permissions == null ? new FileAttribute<?>[0]
                    : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
            return new InPlaceOutput(UserFileChannels.open(file,
                    Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE), mode));
        } catch (OwnProcfs.Refused e) {
            throw refused(session, file, e);
        } catch (IOException e) {
            throw scpError(file, e);
        }
    }

    /** Called only when the copy completed: the file ends where the received data does. */
    @Override
    public void closeWrite(Session session, Path file, long size, Set<PosixFilePermission> permissions, OutputStream os)
            throws IOException {
        try (OutputStream closing = os) {
            if (os instanceof InPlaceOutput written) {
                written.channel.truncate(size);
            }
        } catch (IOException e) {
            throw scpError(file, e);
        }
    }

    /** At most {@code size} bytes of a stream, which it closes. */
    private static final class SizedInput extends FilterInputStream {
        private long left;

        SizedInput(InputStream in, long size) {
            super(in);
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** A plain stream on the channel, which {@link #closeWrite} truncates before closing. */
    private static final class InPlaceOutput extends FilterOutputStream {
        final SeekableByteChannel channel;

        InPlaceOutput(SeekableByteChannel channel) {
            super(Channels.newOutputStream(channel));
            this.channel = channel;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }
    }

    static ScpException scpError(Path path, IOException e) {
        String reason;
        if (e instanceof AccessDeniedException) {
            reason = "Permission denied";
        } else if (e instanceof NoSuchFileException) {
            reason = "No such file or directory";
        } else if (e instanceof NotDirectoryException) {
            reason = "Not a directory";
        } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
            reason = fse.getReason();
        } else {
            reason = e.getMessage();
        }
        return new ScpException("scp: " + path + ": " + reason, e, ScpAckInfo.ERROR);
    }
}
