package dev.sandboxsshd.shell;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A user process joined to its client: the one plumbing behind SSH sessions and PTY API sessions, so the two end
 * alike. Input goes from an {@link InputQueue} into stdin; stdout, and stderr on pipes, are copied to the caller's
 * {@link Output} on threads of their own. There is one exit path: once the process exited and its output drained
 * ({@link OutputDrain}), the terminal is closed, the copies end, input stops, every descriptor is given back, and
 * then the exit status is handed on.
 */
public final class ProcessPump {
    private static final int COPY_BUFFER = 64 * 1024;
    private static final long THREAD_STACK = 256 * 1024;

    /** Where output goes. It may block (an SSH channel with its window closed); an IOException: nobody takes more. */
    @FunctionalInterface
    public interface Output {
        void write(byte[] bytes, int off, int len) throws IOException;
    }

    private final UserProcess process;
    private final InputQueue input;
    private final String name;
    private final OutputDrain drain;

    private ProcessPump(UserProcess process, InputQueue input, String name) {
        this.drain = new OutputDrain(process.hasTerminal() ? 1 : 2, process.hasTerminal(), System::nanoTime);
        this.process = process;
        this.input = input;
        this.name = name;
    }

    /**
     * Starts the threads.
     *
     * @param stderr where stderr goes on pipes; unused on a terminal, where stderr is the terminal
     * @param name   the threads' name prefix
     * @param exited called once, on a thread of the pump's, after the output was handed on and the streams closed
     */
    public static ProcessPump start(UserProcess process, InputQueue input, Output stdout, Output stderr, String name,
                                    Consumer<ExitStatus> exited) {
        ProcessPump pump = new ProcessPump(process, input, name);
        pump.thread("stdin", () -> input.writeTo(pump.stdin()));
        if (!process.hasTerminal()) {
            pump.thread("stderr", () -> pump.copy(process.stderr(), stderr, () -> closeQuietly(process.stderr())));
        }
        pump.thread("stdout", () -> pump.copy(process.stdout(), stdout,
                process.hasTerminal() ? process::closeTerminal : () -> closeQuietly(process.stdout())));
        process.onExit().thenAcceptAsync(status -> {
            pump.finish();
            exited.accept(status);
        }, runnable -> pump.thread("exit", runnable));
        return pump;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** A new window size for the terminal; nothing on pipes. */
    public void resize(PtySize size) throws IOException {
        process.resize(size);
    }

    public void signal(int signal) {
        ProcessSignals.signal(process.pid(), signal);
    }

    /**
     * Hangs the session up as sshd does when its channel closes: input stops; a terminal is closed, and the kernel's
     * hangup signals the shell and the foreground job, and the shell hangs up its background jobs. Sending SIGHUP
     * as well raced with that: an interactive bash that read EOF first exited without hanging up its jobs. A process
     * on pipes gets SIGHUP to its process group.
     */
    public void hangUp() {
        input.stop();
        if (process.isAlive()) {
            if (process.hasTerminal()) {
                process.closeTerminal();
            } else {
                ProcessSignals.signalGroup(process.pid(), ProcessSignals.SIGHUP);
            }
        }
    }

    /** SIGKILL to the process group if the process has not exited within {@code grace}. */
    public void killUnlessExitedWithin(Duration grace) {
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (process.isAlive()) {
                ProcessSignals.signalGroup(process.pid(), ProcessSignals.SIGKILL);
            }
        });
    }

    private void finish() {
        try {
            drain.awaitDrained();
            process.closeTerminal();
            drain.awaitEnded();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        input.stop();
        process.closeStreams();
    }

    /** Pipes pass the client's EOF on by closing stdin; a terminal has no EOF to pass (OpenSSH keeps it open). */
    private InputQueue.Target stdin() {
        OutputStream to = process.stdin();
        return new InputQueue.Target() {
            @Override
            public void write(byte[] bytes, int off, int len) throws IOException {
                to.write(bytes, off, len);
                to.flush();
            }

            @Override
            public void endOfInput() {
                if (!process.hasTerminal()) {
                    closeQuietly(to);
                }
            }

            @Override
            public void close() {
                closeQuietly(to);
            }
        };
    }

    /**
     * Copies output until its end. Once the client takes no more (it closed its channel, or the connection is gone),
     * the source is closed, as sshd closes the pipes or the terminal when the client's CLOSE comes in: a process
     * still writing gets SIGPIPE (EPIPE) rather than running on with its output thrown away, or, on a terminal, a
     * hangup; it then ends, and its exit can still be reported.
     */
    private void copy(InputStream from, Output to, Runnable closeSource) {
        byte[] buffer = new byte[COPY_BUFFER];
        try {
            int n;
            while ((n = from.read(buffer)) >= 0) {
                if (n == 0) {
                    continue;
                }
                drain.handing();
                try {
                    to.write(buffer, 0, n);
                } catch (IOException e) {
                    closeSource.run();
                    return;
                } finally {
                    drain.handed();
                }
            }
        } catch (IOException e) {
            // EIO on a terminal whose last writer closed, or a closed pipe: the end of output either way
        } finally {
            drain.ended();
        }
    }

    private static void closeQuietly(Closeable stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private void thread(String what, Runnable body) {
        Thread t = new Thread(null, body, name + "-" + what, THREAD_STACK);
        t.setDaemon(true);
        t.start();
    }
}
