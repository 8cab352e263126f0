package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import com.sun.jna.Memory;
import com.sun.jna.Native;

/** {@code statvfs(3)} of the filesystem holding a path, checked with the calling thread's identity. */
public final class FileSystemStats {

    /** The fields of {@code struct statvfs}, in OpenSSH's {@code statvfs@openssh.com} order. */
    public record StatVfs(long bsize, long frsize, long blocks, long bfree, long bavail, long files, long ffree,
                          long favail, long fsid, long flag, long namemax) {
    }

    private FileSystemStats() {
    }

    public static StatVfs statvfs(Path path) throws IOException {
        Memory buf = new Memory(256);
        buf.clear();
        if (LibC.INSTANCE.statvfs(path.toString(), buf) != 0) {
            int errno = Native.getLastError();
            switch (errno) {
                case Errno.EACCES -> throw new AccessDeniedException(path.toString());
                case Errno.ENOENT -> throw new NoSuchFileException(path.toString());
                default -> throw new IOException("statvfs " + path + ": " + LibC.INSTANCE.strerror(errno));
            }
        }
        long[] v = buf.getLongArray(0, 11);
        return new StatVfs(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
    }
}
