package dev.sandboxsshd.sftp;

import java.nio.file.FileSystemException;

import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpHelper;
import org.apache.sshd.sftp.server.SftpErrorStatusDataHandler;
import org.apache.sshd.sftp.server.SftpSubsystemEnvironment;

import dev.sandboxsshd.shell.Errno;

/**
 * SFTP status codes as OpenSSH's sftp-server chooses them: the JDK reports EPERM (a sticky directory, chown to
 * another user) as a plain FileSystemException, which MINA would send as a generic "Failure".
 */
final class KernelErrorStatus implements SftpErrorStatusDataHandler {
    static final KernelErrorStatus INSTANCE = new KernelErrorStatus();

    @Override
    public int resolveSubStatus(SftpSubsystemEnvironment sftp, int id, Throwable e, int cmd, Object... args) {
        if (e instanceof FileSystemException fse && Errno.EPERM_REASON.equals(fse.getReason())) {
            return SftpConstants.SSH_FX_PERMISSION_DENIED;
        }
        return SftpHelper.resolveSubstatus(e);
    }
}
