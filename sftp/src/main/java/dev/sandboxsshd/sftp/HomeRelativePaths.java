package dev.sandboxsshd.sftp;

import java.nio.file.FileSystem;
import java.nio.file.Path;

/**
 * Relative paths from SFTP and SCP clients are relative to the user's home, as with OpenSSH, never to the daemon's
 * working directory. Results are always absolute, so nothing downstream resolves against the JVM's directory.
 */
final class HomeRelativePaths {
    private HomeRelativePaths() {
    }

    static Path resolve(FileSystem fs, Path home, String remotePath) {
        if (remotePath == null || remotePath.isEmpty()) {
            return home;
        }
        if (remotePath.indexOf('\0') >= 0) {
            throw new java.nio.file.InvalidPathException(remotePath, "path contains a NUL byte");
        }
        Path path = fs.getPath(remotePath);
        return path.isAbsolute() ? path : home.resolve(path);
    }
}
