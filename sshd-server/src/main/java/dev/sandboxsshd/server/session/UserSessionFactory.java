package dev.sandboxsshd.server.session;

import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.shell.ShellFactory;

import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.UserLauncher;

/** Shell and exec requests: both become a {@link UserSessionCommand} run as the session's user. */
public record UserSessionFactory(UserLauncher launcher, SessionEnvironment environment)
        implements ShellFactory, CommandFactory {
    @Override
    public Command createShell(ChannelSession channel) {
        return new UserSessionCommand(launcher, environment, null);
    }

    @Override
    public Command createCommand(ChannelSession channel, String command) {
        return new UserSessionCommand(launcher, environment, command);
    }
}
