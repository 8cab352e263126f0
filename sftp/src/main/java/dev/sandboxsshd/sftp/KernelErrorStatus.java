package dev.sandboxsshd.sftp;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpHelper;
import org.apache.sshd.sftp.server.SftpErrorStatusDataHandler;
import org.apache.sshd.sftp.server.SftpSubsystemEnvironment;

import dev.sandboxsshd.shell.Errno;

/**
 * SFTP status codes from the kernel's errno, as OpenSSH's sftp-server chooses them: the JDK reports most errnos
 * (EPERM, ELOOP, EISDIR, ENOSPC, ...) as a plain FileSystemException whose reason is libc's text, which MINA would
 * send as a generic "Failure". The finest code is chosen here; {@link #forVersion} then keeps it within the codes
 * the session's version defines.
 */
final class KernelErrorStatus implements SftpErrorStatusDataHandler {
    static final KernelErrorStatus INSTANCE = new KernelErrorStatus();

    /** errnos the JDK reports only by their text, checked in this order. */
    private static final int[] BY_REASON = {Errno.EPERM, Errno.EACCES, Errno.ENOENT, Errno.ENOTDIR, Errno.ELOOP,
            Errno.EEXIST, Errno.ENOTEMPTY, Errno.EISDIR, Errno.ENOSPC, Errno.EDQUOT, Errno.EROFS, Errno.ENAMETOOLONG,
            Errno.EINVAL, Errno.EXDEV, Errno.EBADF, Errno.ENOSYS};
    private static final String[] REASONS = new String[BY_REASON.length];

    static {
        for (int i = 0; i < BY_REASON.length; i++) {
            REASONS[i] = Errno.reason(BY_REASON[i]);
        }
    }

    @Override
    public int resolveSubStatus(SftpSubsystemEnvironment sftp, int id, Throwable e, int cmd, Object... args) {
        int errno = errnoOf(e);
        return errno != 0 ? ofErrno(errno) : SftpHelper.resolveSubstatus(e);
    }

    /** The errno behind a JDK exception, or 0 when it is not the kernel's. */
    static int errnoOf(Throwable e) {
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        } else if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        } else if (e instanceof FileAlreadyExistsException) {
            return Errno.EEXIST;
        } else if (e instanceof DirectoryNotEmptyException) {
            return Errno.ENOTEMPTY;
        } else if (e instanceof NotDirectoryException) {
            return Errno.ENOTDIR;
        } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
            for (int i = 0; i < BY_REASON.length; i++) {
                if (fse.getReason().startsWith(REASONS[i])) { // the JDK adds words to ELOOP's
                    return BY_REASON[i];
                }
            }
        }
        return 0;
    }

    /** The finest (version 6) code for an errno. */
    static int ofErrno(int errno) {
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> SftpConstants.SSH_FX_PERMISSION_DENIED;
            case Errno.ENOENT, Errno.EBADF -> SftpConstants.SSH_FX_NO_SUCH_FILE;
            case Errno.ENOTDIR -> SftpConstants.SSH_FX_NOT_A_DIRECTORY;
            case Errno.ELOOP -> SftpConstants.SSH_FX_LINK_LOOP;
            case Errno.EEXIST -> SftpConstants.SSH_FX_FILE_ALREADY_EXISTS;
            case Errno.ENOTEMPTY -> SftpConstants.SSH_FX_DIR_NOT_EMPTY;
            case Errno.EISDIR -> SftpConstants.SSH_FX_FILE_IS_A_DIRECTORY;
            case Errno.ENOSPC -> SftpConstants.SSH_FX_NO_SPACE_ON_FILESYSTEM;
            case Errno.EDQUOT -> SftpConstants.SSH_FX_QUOTA_EXCEEDED;
            case Errno.EROFS -> SftpConstants.SSH_FX_WRITE_PROTECT;
            case Errno.ENAMETOOLONG -> SftpConstants.SSH_FX_INVALID_FILENAME;
            case Errno.EINVAL -> SftpConstants.SSH_FX_INVALID_PARAMETER;
            case Errno.ENOSYS -> SftpConstants.SSH_FX_OP_UNSUPPORTED;
            default -> SftpConstants.SSH_FX_FAILURE;
        };
    }

    /**
     * {@code status} if the session's version defines it, else the version-3 code sftp-server's
     * {@code errno_to_portable()} gives the same error: NO_SUCH_FILE for a missing path, a non-directory in it or a
     * loop; BAD_MESSAGE for an invalid name or argument; FAILURE for the rest.
     */
    static int forVersion(int status, int version) {
        int highest = switch (version) {
            case SftpConstants.SFTP_V3 -> SftpConstants.SSH_FX_OP_UNSUPPORTED;
            case SftpConstants.SFTP_V4 -> SftpConstants.SSH_FX_NO_MEDIA;
            case SftpConstants.SFTP_V5 -> SftpConstants.SSH_FX_LOCK_CONFLICT;
            default -> Integer.MAX_VALUE;
        };
        if (status <= highest) {
            return status;
        }
        return switch (status) {
            case SftpConstants.SSH_FX_NO_SUCH_PATH, SftpConstants.SSH_FX_NOT_A_DIRECTORY, SftpConstants.SSH_FX_LINK_LOOP,
                 SftpConstants.SSH_FX_NO_MATCHING_BYTE_RANGE_LOCK -> SftpConstants.SSH_FX_NO_SUCH_FILE;
            case SftpConstants.SSH_FX_INVALID_FILENAME, SftpConstants.SSH_FX_INVALID_PARAMETER ->
                    SftpConstants.SSH_FX_BAD_MESSAGE;
            default -> SftpConstants.SSH_FX_FAILURE;
        };
    }
}
