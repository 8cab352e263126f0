package dev.sandboxsshd.shell;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FilterInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

import com.pty4j.WinSize;
import com.pty4j.unix.Pty;

/**
 * A process started by the {@link UserLauncher}: its pid (which is also its process group and session id), its
 * streams, and its exit, as the {@link ChildReaper} reaped it.
 */
public final class UserProcess {

    private final int pid;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Pty pty;
    private final CompletableFuture<ExitStatus> exit;

    private UserProcess(ChildReaper.Child child, OutputStream stdin, InputStream stdout, InputStream stderr, Pty pty) {
        this.pid = child.pid();
        this.exit = child.exit();
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.pty = pty;
    }

    static UserProcess piped(ChildReaper.Child child, int stdinFd, int stdoutFd, int stderrFd) throws IOException {
        // Reopening through /proc gives ordinary JDK streams on the same pipes; the raw fds are closed after.
        try {
            return new UserProcess(child, new FileOutputStream(procFd(stdinFd)), new FileInputStream(procFd(stdoutFd)),
                    new FileInputStream(procFd(stderrFd)), null);
        } finally {
            PosixSpawn.close(stdinFd);
            PosixSpawn.close(stdoutFd);
            PosixSpawn.close(stderrFd);
        }
    }

    static UserProcess onTerminal(ChildReaper.Child child, Pty pty) {
        return new UserProcess(child, pty.getOutputStream(), new TerminalReads(pty.getInputStream()), null, pty);
    }

    /**
     * pty4j allocates a fresh array of the requested length on every read; a terminal never hands out more than
     * its 4 KiB line buffer at once, so asking for more only made garbage (a 32 KiB array per echoed keystroke
     * kept the collector running every 50-150 ms and put its pauses into the keystroke round trip).
     */
    private static final class TerminalReads extends FilterInputStream {
        private static final int MAX_READ = 4096;

        TerminalReads(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, MAX_READ));
        }
    }

    private static String procFd(int fd) throws FileNotFoundException {
        return "/proc/self/fd/" + fd;
    }

    public long pid() {
        return pid;
    }

    public boolean hasTerminal() {
        return pty != null;
    }

    /** The process's stdin; on a terminal, the terminal's input. */
    OutputStream stdin() {
        return stdin;
    }

    /** The process's stdout; on a terminal, everything the terminal shows. */
    InputStream stdout() {
        return stdout;
    }

    /** The process's stderr, or null on a terminal (where stderr is the terminal). */
    InputStream stderr() {
        return stderr;
    }

    /** Completed on the reaper's one thread: dependents must not block it (use the async forms). */
    public CompletableFuture<ExitStatus> onExit() {
        return exit;
    }

    public boolean isAlive() {
        return !exit.isDone();
    }

    public void resize(PtySize size) throws IOException {
        if (pty != null) {
            pty.setWindowSize(new WinSize(size.cols(), size.rows()), null);
        }
    }

    /**
     * Gives back every descriptor the process's streams hold, at once (left to the collector, 200 ended sessions
     * kept 420 pipe fds open until a GC). Call once its output has been read to the end.
     */
    public void closeStreams() {
        for (Closeable stream : new Closeable[] {stdin, stdout, stderr}) {
            try {
                if (stream != null) {
                    stream.close();
                }
            } catch (IOException ignored) {
                // closed already
            }
        }
        closeTerminal();
    }

    /** Closes the terminal: the kernel hangs up its session, foreground job included. */
    public void closeTerminal() {
        if (pty != null) {
            try {
                pty.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
