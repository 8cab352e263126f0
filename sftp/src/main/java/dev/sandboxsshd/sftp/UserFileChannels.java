package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.HashSet;
import java.util.Set;

import dev.sandboxsshd.shell.OwnProcfs;

/**
 * Opens a file for SFTP or legacy SCP on the session's identity thread without ever blocking where a session's
 * end cannot reach: the path is first resolved with {@code O_PATH} by {@link OwnProcfs} (which never waits, checks
 * only the directories, and refuses the daemon's own /proc), and the open is then of that very inode through
 * {@code /proc/self/fd/N}, so a path swapped meanwhile cannot turn it into a FIFO or our /proc. A FIFO is opened by {@link FifoChannel}; anything else by the JDK, as
 * before. A file that does not exist yet is created with O_EXCL, which never opens an existing one (only the
 * target of a dangling symlink, which O_EXCL refuses, is created by a plain open).
 */
final class UserFileChannels {
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    /** Creation racing with another process: the path came and went this often; then its last answer stands. */
    private static final int ATTEMPTS = 3;

    private UserFileChannels() {
    }

    static SeekableByteChannel open(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        for (int attempt = 1; ; attempt++) {
            int probe;
            try {
                probe = OwnProcfs.open(file.toString(), true);
            } catch (NoSuchFileException missing) {
                boolean create = options.contains(StandardOpenOption.CREATE)
                        || options.contains(StandardOpenOption.CREATE_NEW);
                if (!create) {
                    throw missing;
                }
                if (file.getParent() != null) {
                    OwnProcfs.check(file.getParent().toString(), true);
                }
                try {
                    return FileChannel.open(file, exclusive(options), attrs);
                } catch (FileAlreadyExistsException e) {
                    if (options.contains(StandardOpenOption.CREATE_NEW)) {
                        throw e;
                    }
                    if (attempt == ATTEMPTS) { // a dangling symlink (O_EXCL does not follow it): create its target
                        Path target = file.resolveSibling(OwnProcfs.readLink(file.toString()));
                        if (target.getParent() != null) {
                            OwnProcfs.check(target.getParent().toString(), true);
                        }
                        return FileChannel.open(file, options, attrs);
                    }
                    continue; // created meanwhile: open what is there now
                }
            }
            try {
                return reopen(file, probe, options, attrs);
            } finally {
                OwnProcfs.close(probe);
            }
        }
    }

    private static SeekableByteChannel reopen(Path file, int probe, Set<? extends OpenOption> options,
                                              FileAttribute<?>... attrs) throws IOException {
        if (options.contains(StandardOpenOption.CREATE_NEW)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        Path same = Path.of(OwnProcfs.fdPath(probe));
        int mode = (Integer) Files.getAttribute(same, "unix:mode");
        if ((mode & S_IFMT) == S_IFIFO) {
            boolean write = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
            boolean read = options.contains(StandardOpenOption.READ) || !write;
            return FifoChannel.open(same.toString(), file.toString(), read, write);
        }
        Set<OpenOption> existing = new HashSet<>(options);
        existing.remove(StandardOpenOption.CREATE);
        return FileChannel.open(same, existing, attrs);
    }

    private static Set<OpenOption> exclusive(Set<? extends OpenOption> options) {
        Set<OpenOption> exclusive = new HashSet<>(options);
        exclusive.remove(StandardOpenOption.CREATE);
        exclusive.add(StandardOpenOption.CREATE_NEW);
        return exclusive;
    }
}
