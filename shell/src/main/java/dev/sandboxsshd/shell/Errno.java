package dev.sandboxsshd.shell;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * errno values (Linux's generic numbers, the same on x86_64 and aarch64) and their texts as the JDK puts them in
 * exception reasons: libc's {@code strerror} in the process locale (the JVM calls setlocale), so comparisons hold in
 * any language.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int EDQUOT = 122;

    /** The reason the JDK gives for EPERM ("Operation not permitted" in English). */
    public static final String EPERM_REASON = LibC.INSTANCE.strerror(EPERM);

    private Errno() {
    }

    /** libc's text for {@code errno}. */
    public static String reason(int errno) {
        return LibC.INSTANCE.strerror(errno);
    }

    /** An errno as the exception the JDK throws for it, so replies read as for any failed JDK call. */
    public static FileSystemException exception(String path, int errno) {
        return switch (errno) {
            case EACCES -> new AccessDeniedException(path);
            case ENOENT -> new NoSuchFileException(path);
            case EEXIST -> new FileAlreadyExistsException(path);
            default -> new FileSystemException(path, null, reason(errno));
        };
    }
}
