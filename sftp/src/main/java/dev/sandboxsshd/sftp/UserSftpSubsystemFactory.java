package dev.sandboxsshd.sftp;

import java.io.IOException;

import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.subsystem.SubsystemFactory;
import org.apache.sshd.sftp.server.SftpErrorStatusDataHandler;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.apache.sshd.sftp.server.SftpSubsystem;
import org.apache.sshd.sftp.server.SftpSubsystemConfigurator;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.apache.sshd.sftp.server.UnsupportedAttributePolicy;

import dev.sandboxsshd.shell.OutputBudget;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.keys.SessionUser;

/**
 * The {@code sftp} subsystem: MINA's SFTP server, each session on its own thread with the session user's
 * filesystem identity, starting in the user's home.
 */
public final class UserSftpSubsystemFactory implements SubsystemFactory {
    /**
     * The longest READ answered, advertised in limits@openssh.com: OpenSSH's sftp-server's (256 KiB less 1 KiB), the
     * most OpenSSH's sftp and scp ask for. With MINA's 63 KiB (or the 32 KiB packet size) the client spent a third
     * more CPU per GiB than against sshd: eight times the requests, writes and seeks to its local file.
     * The server sets it as MINA's {@code sftp-max-readdata-packet-length}, the cap MINA's READ applies.
     */
    public static final int READ_LENGTH = 256 * 1024 - 1024;

    private final SftpSubsystemFactory defaults = new SftpSubsystemFactory();
    private final DescriptorReserve reserve;
    private final OutputBudget output;

    public UserSftpSubsystemFactory(DescriptorReserve reserve, OutputBudget output) {
        this.reserve = reserve;
        this.output = output;
    }

    /** A listener every session's subsystem gets (the metrics and the audit trail's). */
    public void addSftpEventListener(SftpEventListener listener) {
        defaults.addSftpEventListener(listener);
    }

    @Override
    public String getName() {
        return SftpSubsystemFactory.NAME;
    }

    @Override
    public Command createSubsystem(ChannelSession channel) throws IOException {
        PosixUser user = SessionUser.of(channel.getSession());
        SftpSubsystem subsystem = new UserSftpSubsystem(channel, new Configurator(defaults,
                UserExecutors.singleThread(user, "sftp"), new HomeFileSystemAccessor(user.home(), reserve)), user.home(), output);
        defaults.getRegisteredListeners().forEach(subsystem::addSftpEventListener);
        return subsystem;
    }

    /** MINA's defaults, except the per-session thread, the home-relative file access and OpenSSH's error codes. */
    private record Configurator(SftpSubsystemFactory defaults, CloseableExecutorService executor,
                                SftpFileSystemAccessor accessor) implements SftpSubsystemConfigurator {
        @Override
        public CloseableExecutorService getExecutorService() {
            return executor;
        }

        @Override
        public SftpFileSystemAccessor getFileSystemAccessor() {
            return accessor;
        }

        @Override
        public UnsupportedAttributePolicy getUnsupportedAttributePolicy() {
            return defaults.getUnsupportedAttributePolicy();
        }

        @Override
        public SftpErrorStatusDataHandler getErrorStatusDataHandler() {
            return KernelErrorStatus.INSTANCE;
        }

        @Override
        public ChannelDataReceiver getErrorChannelDataReceiver() {
            return defaults.getErrorChannelDataReceiver();
        }
    }
}
