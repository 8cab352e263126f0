package dev.sandboxsshd.server.session;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
import dev.sandboxsshd.shell.LaunchSpec;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.ProcessSignals;
import dev.sandboxsshd.shell.PtySize;
import dev.sandboxsshd.shell.TerminalModes;
import dev.sandboxsshd.shell.UserLauncher;
import dev.sandboxsshd.shell.UserProcess;

/**
 * A shell or exec request run as the session's user, on a PTY when the client asked for one, on pipes otherwise.
 * Data moves with blocking copies on dedicated threads: client data straight into the process, process output into
 * the channel, which blocks while the client's window is closed.
 */
final class UserSessionCommand implements Command, ChannelSessionAware, SignalListener {
    private static final Logger LOG = LoggerFactory.getLogger(UserSessionCommand.class);
    private static final int COPY_BUFFER = 64 * 1024;
    private static final long THREAD_STACK = 256 * 1024;

    private final UserLauncher launcher;
    private final SessionEnvironment sessionEnvironment;
    private final String command;
    private ChannelSession channel;
    private ProcessInput input;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exitCallback;
    private volatile UserProcess process;
    /** Progress of the terminal's output copy, to tell a drained terminal from one still being read. */
    private volatile long copied;
    private volatile boolean writing;

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
            process = started;
            env.addSignalListener(this);
            startPumps(started);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot start session for user={} remote={}: {}", user.name(),
                    session.getSession().getRemoteAddress(), e.toString());
            fail("sandbox-sshd: cannot start " + (command == null ? "shell" : "command") + ": " + e.getMessage() + "\n");
        }
    }

    private void startPumps(UserProcess p) {
        long pid = p.pid();
        boolean tty = p.hasTerminal();
        thread("stdin-" + pid, () -> input.pump(p.stdin(), !tty));
        CompletableFuture<Void> stdoutDone = new CompletableFuture<>();
        CompletableFuture<Void> stderrDone = tty ? CompletableFuture.completedFuture(null) : new CompletableFuture<>();
        if (!tty) {
            thread("stderr-" + pid, () -> {
                copy(p.stderr(), err, p.stderr());
                stderrDone.complete(null);
            });
        }
        thread("stdout-" + pid, () -> {
            copy(p.stdout(), out, tty ? p::closeTerminal : p.stdout());
            stdoutDone.complete(null);
        });
        p.onExit().thenAcceptAsync(status -> {
            if (tty) {
                // Output still in the terminal is read to its end; a background job that keeps the terminal
                // open does not hold the session (sshd closes it when the shell exits).
                awaitDrained(stdoutDone);
                p.closeTerminal();
            }
            stdoutDone.join();
            stderrDone.join();
            input.stop();
            p.closeStreams();
            if (status.killedBySignal()) {
                ((UserChannelSession) channel).exitBySignal(status.signal(), status.coreDumped());
            }
            exitCallback.onExit(status.code());
        }, runnable -> thread("exit-" + pid, runnable));
    }

    /** Waits for the output copy to end, or to sit idle in a read for 200 ms (nothing left to read). */
    private void awaitDrained(CompletableFuture<Void> stdoutDone) {
        long quietSince = System.nanoTime();
        long seen = copied;
        while (!stdoutDone.isDone()) {
            try {
                stdoutDone.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long now = copied;
                if (now != seen || writing) {
                    seen = now;
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince > TimeUnit.MILLISECONDS.toNanos(200)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                return;
            }
        }
    }

    /**
     * Copies the process's output into the channel until its end. Once the channel takes no more (the client closed
     * it, or the connection is gone), {@code source} is closed, as sshd closes the pipes or the terminal when the
     * client's CLOSE comes in: a process still writing gets SIGPIPE (EPIPE) rather than running on with its output
     * thrown away, or, on a terminal, a hangup; it then ends, and its exit can still be reported.
     */
    private void copy(InputStream from, OutputStream to, Closeable source) {
        byte[] buffer = new byte[COPY_BUFFER];
        try {
            int n;
            while ((n = from.read(buffer)) >= 0) {
                copied += n;
                if (n == 0) {
                    continue;
                }
                try {
                    writing = true;
                    to.write(buffer, 0, n);
                    to.flush();
                } catch (IOException e) {
                    closeQuietly(source);
                    return;
                } finally {
                    writing = false;
                }
            }
        } catch (IOException e) {
            // EIO on a terminal whose last writer closed, or a closed pipe: the end of output either way
        }
    }

    private static void closeQuietly(Closeable source) {
        try {
            source.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void signal(Channel channel, Signal signal) {
        UserProcess p = process;
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
        ProcessSignals.signal(p.pid(), signal.getNumeric());
    }

    /** The channel closed (exit, client disconnect or server shutdown): hang up the session as sshd does. */
    @Override
    public void destroy(ChannelSession session) {
        if (input != null) {
            input.stop();
        }
        UserProcess p = process;
        if (p != null && p.isAlive()) {
            ProcessSignals.signalGroup(p.pid(), ProcessSignals.SIGHUP);
            // Closing the terminal hangs up the foreground job too, which is in a process group of its own.
            p.closeTerminal();
        }
    }

    private void addConnectionVariables(Map<String, String> environment) {
        SocketAddress remote = channel.getSession().getRemoteAddress();
        SocketAddress local = channel.getSession().getLocalAddress();
        if (remote instanceof InetSocketAddress r && local instanceof InetSocketAddress l) {
            String client = r.getAddress().getHostAddress() + " " + r.getPort();
            environment.put("SSH_CLIENT", client + " " + l.getPort());
            environment.put("SSH_CONNECTION", client + " " + l.getAddress().getHostAddress() + " " + l.getPort());
        }
    }

    private void fail(String message) {
        writeQuietly(err, message);
        if (input != null) {
            input.stop();
        }
        exitCallback.onExit(1, message.strip());
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

    private static void thread(String name, Runnable body) {
        Thread t = new Thread(null, body, "session-" + name, THREAD_STACK);
        t.setDaemon(true);
        t.start();
    }
}
