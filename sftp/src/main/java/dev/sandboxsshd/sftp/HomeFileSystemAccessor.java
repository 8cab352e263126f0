package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.apache.sshd.sftp.server.DirectoryHandle;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

import dev.sandboxsshd.shell.OwnProcfs;
import dev.sandboxsshd.shell.UserIdentity;

/**
 * MINA's file access with two OpenSSH behaviours: relative paths (and the client's initial {@code realpath .}) are
 * in the user's home, and a mode sent with open or mkdir is masked by the umask, as sftp-server's
 * {@code open(path, flags, mode)} and {@code mkdir(path, mode)} are; only setstat/chmod set a mode exactly.
 * A FIFO's open waits for its other end only until the session ends ({@link UserFileChannels}); an open that would
 * leave fewer descriptors free than the daemon keeps is refused ({@link DescriptorReserve}).
 * One instance per SFTP session, used from its single thread.
 */
final class HomeFileSystemAccessor implements SftpFileSystemAccessor {
    private final Path home;
    private final DescriptorReserve reserve;
    /** The directory mkdir just created, whose requested mode MINA applies next with a chmod. */
    private Path createdDirectory;

    HomeFileSystemAccessor(Path home, DescriptorReserve reserve) {
        this.home = home;
        this.reserve = reserve;
    }

    @Override
    public Path resolveLocalFilePath(SftpSubsystemProxy subsystem, Path rootDir, String remotePath) {
        return HomeRelativePaths.resolve(rootDir.getFileSystem(), home, remotePath);
    }

    @Override
    public SeekableByteChannel openFile(SftpSubsystemProxy subsystem, FileHandle fileHandle, Path file, String handle,
                                        Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        // MINA names the mode "permissions", which FileChannel.open refuses; MINA would then chmod after creating,
        // past the umask. Give the JDK the mode under its own name so the kernel masks it at creation.
        reserve.check(subsystem.getServerSession(), file);
        List<FileAttribute<?>> creation = new ArrayList<>();
        for (FileAttribute<?> attr : attrs) {
            if (attr.name().endsWith("permissions") && attr.value() instanceof Set<?> perms) {
                creation.add(PosixFilePermissions.asFileAttribute(toPermissions(perms)));
            }
        }
        return UserFileChannels.open(file, options, creation.toArray(FileAttribute<?>[]::new));
    }

    /**
     * Lists the directory checked by {@link OwnProcfs}, through its descriptor; entries are named below {@code dir}
     * as the client knows it (their attributes are read, and checked, one by one).
     */
    @Override
    public DirectoryStream<Path> openDirectory(SftpSubsystemProxy subsystem, DirectoryHandle dirHandle, Path dir,
                                               String handle, LinkOption... linkOptions) throws IOException {
        reserve.check(subsystem.getServerSession(), dir);
        int fd = OwnProcfs.open(dir.toString(), true);
        DirectoryStream<Path> listing;
        try {
            listing = Files.newDirectoryStream(Path.of(OwnProcfs.fdPath(fd)));
        } catch (IOException | RuntimeException e) {
            OwnProcfs.close(fd);
            throw e;
        }
        return new DirectoryStream<>() {
            @Override
            public Iterator<Path> iterator() {
                Iterator<Path> entries = listing.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return entries.hasNext();
                    }

                    @Override
                    public Path next() {
                        return dir.resolve(entries.next().getFileName());
                    }
                };
            }

            @Override
            public void close() throws IOException {
                try {
                    listing.close();
                } finally {
                    OwnProcfs.close(fd);
                }
            }
        };
    }

    /** Attributes of the object {@link OwnProcfs} checked, read through its descriptor. */
    @Override
    public Map<String, ?> readFileAttributes(SftpSubsystemProxy subsystem, Path file, String view,
                                             LinkOption... options) throws IOException {
        int fd = OwnProcfs.open(file.toString(), !noFollow(Arrays.asList(options)));
        try {
            return Files.readAttributes(Path.of(OwnProcfs.fdPath(fd)), view);
        } finally {
            OwnProcfs.close(fd);
        }
    }

    @Override
    public String resolveLinkTarget(SftpSubsystemProxy subsystem, Path link) throws IOException {
        return OwnProcfs.readLink(link.toString());
    }

    /** Whether {@code path} is the directory mkdir just created, whose requested mode the umask masks. */
    boolean justCreated(Path path) {
        boolean created = path.equals(createdDirectory);
        createdDirectory = null;
        return created;
    }

    @Override
    public void createDirectory(SftpSubsystemProxy subsystem, Path path) throws IOException {
        SftpFileSystemAccessor.super.createDirectory(subsystem, path);
        createdDirectory = path;
    }

    @Override
    public void setFilePermissions(SftpSubsystemProxy subsystem, Path file, Set<PosixFilePermission> perms,
                                   LinkOption... options) throws IOException {
        Set<PosixFilePermission> effective = perms;
        if (file.equals(createdDirectory)) {
            effective = masked(perms);
        }
        createdDirectory = null;
        SftpFileSystemAccessor.super.setFilePermissions(subsystem, file, effective, options);
    }

    private static Set<PosixFilePermission> toPermissions(Set<?> values) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        for (Object v : values) {
            if (v instanceof PosixFilePermission p) {
                out.add(p);
            }
        }
        return out;
    }

    private static Set<PosixFilePermission> masked(Set<PosixFilePermission> perms) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        out.addAll(perms);
        int umask = UserIdentity.DEFAULT_UMASK;
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((umask & (1 << i)) != 0) {
                out.remove(bits[i]);
            }
        }
        return out;
    }
}
