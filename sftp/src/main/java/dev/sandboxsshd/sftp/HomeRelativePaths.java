package dev.sandboxsshd.sftp;

import java.nio.file.FileSystem;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserDatabase;

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
            throw new InvalidPathException(remotePath, "path contains a NUL byte");
        }
        Path path = fs.getPath(remotePath);
        return path.isAbsolute() ? path : home.resolve(path);
    }

    /**
     * Expands a leading {@code ~} or {@code ~user} as a shell would (and as {@code expand-path@openssh.com} does),
     * then resolves like {@link #resolve}.
     *
     * @throws InvalidPathException for {@code ~user} when there is no such user
     */
    static Path expand(FileSystem fs, Path home, String remotePath) {
        if (remotePath == null || !remotePath.startsWith("~")) {
            return resolve(fs, home, remotePath);
        }
        int slash = remotePath.indexOf('/');
        String name = remotePath.substring(1, slash < 0 ? remotePath.length() : slash);
        String rest = slash < 0 ? "" : remotePath.substring(slash + 1);
        Path base = home;
        if (!name.isEmpty()) {
            PosixUser other = UserDatabase.byName(name)
                    .orElseThrow(() -> new InvalidPathException(remotePath, "no such user: " + name));
            base = other.home();
        }
        return resolve(fs, base, rest);
    }
}
