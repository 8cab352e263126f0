package dev.sandboxsshd.server.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.SignalListener;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionAware;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.forwarding.AuthAgentRequest;
import dev.sandboxsshd.keys.SessionUser;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.ExitStatus;
import dev.sandboxsshd.shell.LaunchSpec;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.ProcessPump;
import dev.sandboxsshd.shell.PtySize;
import dev.sandboxsshd.shell.TerminalModes;
import dev.sandboxsshd.shell.UserLauncher;
import dev.sandboxsshd.shell.UserProcess;

/**
 * A shell or exec request run as the session's user, on a PTY when the client asked for one, on pipes otherwise:
 * the SSH side of a {@link ProcessPump}. Process output goes into the channel, which blocks while the client's window
 * is closed; the exit is reported as exit-status, or exit-signal for a signal death.
 */
final class UserSessionCommand implements Command, ChannelSessionAware, SignalListener {
    private static final Logger LOG = LoggerFactory.getLogger(UserSessionCommand.class);

    private final UserLauncher launcher;
    private final SessionEnvironment sessionEnvironment;
    private final String command;
    private ChannelSession channel;
    private ProcessInput input;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exitCallback;
    private volatile ProcessPump pump;

    /** @param command the exec request's command line, or null for a shell */
    UserSessionCommand(UserLauncher launcher, SessionEnvironment sessionEnvironment, String command) {
        this.launcher = launcher;
        this.sessionEnvironment = sessionEnvironment;
        this.command = command;
    }

    @Override
    public void setChannelSession(ChannelSession session) {
        this.channel = session;
        this.input = new ProcessInput(session.getLocalWindow());
        session.setDataReceiver(input);
    }

    @Override
    public void setInputStream(InputStream in) {
        // unused: data arrives through ProcessInput
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exitCallback = callback;
    }

    @Override
    public void start(ChannelSession session, Environment env) throws IOException {
        PosixUser user = SessionUser.of(session.getSession());
        Map<String, String> requested = env.getEnv();
        boolean tty = requested.containsKey(Environment.ENV_COLUMNS);

        Map<String, String> environment = sessionEnvironment.forLogin(user);
        requested.forEach((name, value) -> {
            if (AcceptedEnvironment.accepts(name)) {
                environment.put(name, value);
            }
        });
        if (tty) {
            environment.put("TERM", requested.getOrDefault(Environment.ENV_TERM, "dumb"));
        }
        addConnectionVariables(environment);
        AuthAgentRequest.socketOf(session).ifPresent(socket -> environment.put("SSH_AUTH_SOCK", socket));

        List<String> argv = command == null ? List.of(user.shell(), "-l") : List.of(user.shell(), "-c", command);
        try {
            // a home the user may not enter: sshd's notice, and the session starts in /
            LaunchSpec spec = new LaunchSpec(user, argv, environment, user.home(), true);
            UserProcess started = tty
                    ? launcher.startPty(spec, PtySize.lenient(intOf(requested.get(Environment.ENV_COLUMNS)),
                            intOf(requested.get(Environment.ENV_LINES))), modesOf(env), "SSH_TTY")
                    : launcher.startPiped(spec);
            pump = ProcessPump.start(started, input.queue(), flushing(out), flushing(err), "session-" + started.pid(),
                    this::exited);
            env.addSignalListener(this);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot start session for user={} remote={}: {}", user.name(),
                    Addresses.of(session.getSession().getRemoteAddress()), e.toString());
            fail("sandbox-sshd: cannot start " + (command == null ? "shell" : "command") + ": " + e.getMessage() + "\n");
        }
    }

    private void exited(ExitStatus status) {
        if (status.killedBySignal()) {
            ((UserChannelSession) channel).exitBySignal(status.signal(), status.coreDumped());
        }
        exitCallback.onExit(status.code());
    }

    @Override
    public void signal(Channel channel, Signal signal) {
        ProcessPump p = pump;
        if (p == null) {
            return;
        }
        if (signal == Signal.WINCH) {
            Map<String, String> env = this.channel.getEnvironment().getEnv();
            try {
                p.resize(PtySize.lenient(intOf(env.get(Environment.ENV_COLUMNS)), intOf(env.get(Environment.ENV_LINES))));
            } catch (IOException e) {
                LOG.debug("window change failed for pid {}: {}", p.pid(), e.toString());
            }
            return;
        }
        p.signal(signal.getNumeric());
    }

    /** The channel closed (exit, client disconnect or server shutdown): hang up the session as sshd does. */
    @Override
    public void destroy(ChannelSession session) {
        ProcessPump p = pump;
        if (p != null) {
            p.hangUp();
        }
    }

    private void addConnectionVariables(Map<String, String> environment) {
        SocketAddress remote = channel.getSession().getRemoteAddress();
        SocketAddress local = channel.getSession().getLocalAddress();
        if (remote instanceof InetSocketAddress r && local instanceof InetSocketAddress l) {
            String client = Addresses.ip(r.getAddress()) + " " + r.getPort();
            environment.put("SSH_CLIENT", client + " " + l.getPort());
            environment.put("SSH_CONNECTION", client + " " + Addresses.ip(l.getAddress()) + " " + l.getPort());
        }
    }

    private void fail(String message) {
        writeQuietly(err, message);
        exitCallback.onExit(1, message.strip());
    }

    private static ProcessPump.Output flushing(OutputStream stream) {
        return (bytes, off, len) -> {
            stream.write(bytes, off, len);
            stream.flush();
        };
    }

    private static void writeQuietly(OutputStream stream, String message) {
        try {
            stream.write(message.getBytes(StandardCharsets.UTF_8));
            stream.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    /** The modes MINA parsed from pty-req (it drops opcodes it does not know), by their RFC 4254 opcode. */
    private static TerminalModes modesOf(Environment env) {
        Map<Integer, Integer> byOpcode = new HashMap<>();
        env.getPtyModes().forEach((mode, value) -> byOpcode.put(mode.toInt(), value));
        return TerminalModes.of(byOpcode);
    }

    private static int intOf(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

}
