package dev.sandboxsshd.sftp;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** An errno as the exception the JDK throws for it (EPERM too: its reason), so replies read as for any failed open. */
final class KernelErrors {
    static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int EEXIST = 17;

    private KernelErrors() {
    }

    static FileSystemException of(String path, int errno) {
        return switch (errno) {
            case EACCES -> new AccessDeniedException(path);
            case ENOENT -> new NoSuchFileException(path);
            case EEXIST -> new FileAlreadyExistsException(path);
            default -> new FileSystemException(path, null, FileCalls.INSTANCE.strerror(errno));
        };
    }
}
