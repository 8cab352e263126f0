package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Whether a path exists, found by stat(2) on the identity thread, which the kernel checks with the thread's
 * filesystem uid: the user's. MINA's probes ({@code IoUtils.checkFileExists}, {@code Files.exists},
 * {@code Files.isReadable}/{@code isWritable}) use access(2), which checks the real uid: the daemon's holder id,
 * not the user's, so a directory only the user may enter looked inaccessible.
 */
final class UserStat {
    private UserStat() {
    }

    /** TRUE, FALSE when the kernel says ENOENT, or null for any other error (as MINA's probes answer). */
    static Boolean exists(Path path, LinkOption... options) {
        try {
            Files.readAttributes(path, BasicFileAttributes.class, options);
            return Boolean.TRUE;
        } catch (NoSuchFileException e) {
            return Boolean.FALSE;
        } catch (IOException e) {
            return null;
        }
    }

    /** The attributes, or the kernel's error. */
    static BasicFileAttributes of(Path path, LinkOption... options) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, options);
    }
}
