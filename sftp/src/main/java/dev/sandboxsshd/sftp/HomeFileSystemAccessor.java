package dev.sandboxsshd.sftp;

import java.nio.file.Path;

import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/** MINA's file access, with relative paths (and the client's initial {@code realpath .}) in the user's home. */
final class HomeFileSystemAccessor implements SftpFileSystemAccessor {
    private final Path home;

    HomeFileSystemAccessor(Path home) {
        this.home = home;
    }

    @Override
    public Path resolveLocalFilePath(SftpSubsystemProxy subsystem, Path rootDir, String remotePath) {
        return HomeRelativePaths.resolve(rootDir.getFileSystem(), home, remotePath);
    }
}
