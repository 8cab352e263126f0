package dev.sandboxsshd.server.session;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.channel.ChannelSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.ProcessSignals;

/**
 * MINA's session channel (shells, exec, sftp and scp), ending as sshd's does: the exit report goes out first, then
 * EOF, then CLOSE; and a process killed by a signal is reported with {@code exit-signal} (the OpenSSH client then
 * exits 255 rather than pretending a code), where MINA only knows {@code exit-status}.
 *
 * <p>MINA's protected methods overridden here (check them on a MINA upgrade):
 * <ul>
 * <li>{@link #closeShell(int, boolean)}, which the exit callback calls, replaces {@code ChannelSession.closeShell}.
 * MINA's sends EOF, then {@code exit-status}, then CLOSE. A client that closes a channel on EOF (the OpenSSH
 * ControlMaster does, so every proxy relaying channels over one connection) had its CLOSE handled between the two
 * often enough, and MINA then drops the status (the channel is closing): the mux client exited 255
 * (MultiplexExitStatusIT). Ours writes the report before EOF and CLOSE, also when the client closed first, as
 * long as our CLOSE has not gone (sshd reports until it sends its CLOSE, which it holds until the exit is out;
 * ours waits up to {@link #CLIENT_CLOSE_GRACE} for it, MINA's {@code COMMAND_EXIT_TIMEOUT} set on the channel).
 * {@code AbstractServerChannel.sendExitStatus} is left as MINA's: MINA calls it from {@code closeShell} only.</li>
 * <li>{@code handleShellParsed}, {@code handleExecParsed}, {@code handleSubsystemParsed} and {@code handlePtyReqParsed}
 * are MINA's, after noting what the session runs ({@link SessionFacts}) for the metrics and the audit trail, which
 * hear of the start as a channel state change ({@link SessionFacts#STARTED}).</li>
 * <li>The public {@link #handleEof()}: a second EOF from the client (Go's x/crypto, so rclone and pkg/sftp, send
 * one) changes nothing; MINA logged a WARN for each, this logs it at DEBUG.</li>
 * </ul>
 */
final class UserChannelSession extends ChannelSession {
    private static final Logger LOG = LoggerFactory.getLogger(UserChannelSession.class);
    /**
     * How long our CLOSE waits for the command once the client has closed the channel first (MINA's 5 ms, after which
     * it closes and the command is hung up, left no command time to end and have its exit reported). sshd waits
     * however long the command takes. Its stdin gets EOF at once, its next write SIGPIPE, or on a terminal a hangup
     * (ProcessPump), which ends most commands; one that ignores all of it is hung up after this, as for a
     * dropped connection.
     */
    static final Duration CLIENT_CLOSE_GRACE = Duration.ofSeconds(2);

    private volatile String exitSignal;
    private volatile boolean coreDumped;
    private volatile String kind;
    private volatile String command;
    private volatile boolean pty;
    private volatile long startNanos;
    private volatile Integer exitCode;

    UserChannelSession() {
        CoreModuleProperties.COMMAND_EXIT_TIMEOUT.set(this, CLIENT_CLOSE_GRACE);
    }

    /**
     * Makes the coming exit report a signal death; call before the command's exit callback. A signal RFC 4254 does
     * not name goes by OpenSSH's name for the others.
     */
    void exitBySignal(int signal, boolean core) {
        this.exitSignal = ProcessSignals.name(signal).orElse("SIG@openssh.com");
        this.coreDumped = core;
    }

    /** What the session runs, once a shell, exec or subsystem request started it; else null. */
    SessionFacts facts() {
        String k = kind;
        return k == null ? null : new SessionFacts(k, command, pty, startNanos, exitCode, exitSignal);
    }

    @Override
    protected RequestHandler.Result handlePtyReqParsed(String term, int cols, int rows, int width, int height,
                                                       Map<PtyMode, Integer> modes) throws IOException {
        RequestHandler.Result result = super.handlePtyReqParsed(term, cols, rows, width, height, modes);
        pty |= result == RequestHandler.Result.ReplySuccess || result == RequestHandler.Result.Replied;
        return result;
    }

    @Override
    protected RequestHandler.Result handleShellParsed(String request) throws IOException {
        return start("shell", null, () -> super.handleShellParsed(request));
    }

    @Override
    protected RequestHandler.Result handleExecParsed(String request, String commandLine) throws IOException {
        return start("exec", commandLine, () -> super.handleExecParsed(request, commandLine));
    }

    @Override
    protected RequestHandler.Result handleSubsystemParsed(String request, String subsystem) throws IOException {
        return start("subsystem", subsystem, () -> super.handleSubsystemParsed(request, subsystem));
    }

    /** MINA's handling of a shell, exec or subsystem request, between the notes of what runs. */
    private interface Request {
        RequestHandler.Result handle() throws IOException;
    }

    private RequestHandler.Result start(String what, String commandLine, Request request) throws IOException {
        startNanos = System.nanoTime();
        command = commandLine;
        kind = what; // before the command runs: it may end before MINA returns
        RequestHandler.Result result = RequestHandler.Result.ReplyFailure;
        try {
            result = request.handle();
        } finally { // a start that failed or threw is no session for the metrics and the audit trail
            if (result == RequestHandler.Result.ReplySuccess || result == RequestHandler.Result.Replied) {
                notifyStateChanged(SessionFacts.STARTED);
            } else {
                kind = null;
            }
        }
        return result;
    }

    @Override
    public void handleEof() throws IOException {
        if (isEofSignalled()) {
            LOG.debug("handleEof({}): EOF repeated by the client", this);
            return;
        }
        super.handleEof();
    }

    @Override
    protected void closeShell(int exitValue, boolean closeImmediately) throws IOException {
        exitCode = exitValue;
        boolean clientClosedFirst = isClosing();
        if (!clientClosedFirst && out != null) {
            out.close(); // flushes what the command wrote (no EOF: MINA's stream is made without EOF on close)
        }
        reportExit(exitValue);
        if (clientClosedFirst) {
            // MINA's close, begun by the client's CLOSE, sends ours once this future is done
            commandExitFuture.setClosed();
            return;
        }
        try {
            sendEof(); // sends nothing if the client's CLOSE came in meanwhile
        } catch (IOException e) {
            if (getSession().isOpen() && !getSession().isClosing()) {
                throw e;
            }
            // the client went without closing the channel (most do): nothing to tell it, nothing to warn about
            LOG.debug("EOF not sent on {}: {}", this, e.toString());
        }
        commandExitFuture.setClosed();
        close(closeImmediately);
    }

    /**
     * Writes {@code exit-status} or {@code exit-signal} unless our CLOSE may have gone: MINA sends it only once
     * {@code commandExitFuture} is done, which happens under {@code futureLock}, by us after the report or by MINA's
     * timer when the command takes too long after the client's CLOSE. Written to the session directly: the channel's
     * {@code writePacket} drops everything once the client's CLOSE has come in. Nothing waits under the lock: a
     * channel request is never held back for a key exchange (only channel data is), and the only writes whose
     * completion takes this lock, our EOF and CLOSE, are not sent yet.
     */
    private void reportExit(int code) {
        String signal = exitSignal;
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
        buffer.putUInt(getRecipient());
        if (signal == null) {
            buffer.putString("exit-status");
            buffer.putBoolean(false);
            buffer.putInt(code);
        } else {
            buffer.putString("exit-signal");
            buffer.putBoolean(false);
            buffer.putString(signal);
            buffer.putBoolean(coreDumped);
            buffer.putString("");
            buffer.putString("");
        }
        synchronized (futureLock) {
            State now = state.get();
            if (commandExitFuture.isClosed() || (now != State.Opened && now != State.Graceful)
                    || exitStatusSent.getAndSet(true)) {
                return;
            }
            try {
                getSession().writePacket(buffer);
            } catch (IOException e) {
                LOG.debug("exit report not sent on {}: {}", this, e.toString()); // the connection is going
            }
        }
    }
}
