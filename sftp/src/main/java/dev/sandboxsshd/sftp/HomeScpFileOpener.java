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
import java.util.Set;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.scp.common.ScpException;
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
        if (!Files.exists(localPath, options)) {
            throw new ScpException("scp: " + localPath + ": No such file or directory", ScpAckInfo.ERROR);
        }
        return localPath;
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
