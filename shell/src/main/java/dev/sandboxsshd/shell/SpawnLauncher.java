package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.pty4j.WinSize;
import com.pty4j.unix.Pty;
import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one launcher. Every process is spawned ({@link PosixSpawn}) by a thread that acts as the user
 * ({@link UserIdentity}) and starts as {@link UserExec}, which makes all of its ids the user's before it executes
 * the user's program: the kernel checks as the user the working directory the thread enters and the program the
 * child executes, and nothing of the request (environment, directory, command) is ever applied with root's rights. Terminals are pty4j's {@link Pty}, handed to the user as sshd does.
 */
public final class SpawnLauncher implements UserLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(SpawnLauncher.class);
    private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(30);
    private static final int O_WRONLY = 1;
    private static final int O_NOCTTY = 0x100;
    private static final LibC C = LibC.INSTANCE;

    private final boolean daemonIsRoot;
    /** The group terminals belong to (sshd: "tty" with mode 0620, else the user's group with 0600). */
    private final Optional<Integer> ttyGroup;
    private final ChildReaper reaper;

    private SpawnLauncher(boolean daemonIsRoot, Optional<Integer> ttyGroup, ChildReaper reaper) {
        this.daemonIsRoot = daemonIsRoot;
        this.ttyGroup = ttyGroup;
        this.reaper = reaper;
    }

    /** Call it from a root thread: it starts the {@link ChildReaper} if nothing has yet. */
    public static SpawnLauncher forThisProcess() {
        try {
            if (UserDatabase.runningAsRoot()) {
                UserIdentity.holderId();
            }
            UserExec.fd();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return new SpawnLauncher(UserDatabase.runningAsRoot(), UserDatabase.groupId("tty"), ChildReaper.get());
    }

    @Override
    public UserProcess startPiped(LaunchSpec spec) throws IOException {
        int[] in = PosixSpawn.pipe();
        int[] out = null;
        int[] err = null;
        try {
            out = PosixSpawn.pipe();
            err = PosixSpawn.pipe();
            int stderr = err[1];
            ChildReaper.Child child = spawnAs(spec, spec.environment(), List.of(
                    PosixSpawn.Stdio.dup(in[0], 0), PosixSpawn.Stdio.dup(out[1], 1), PosixSpawn.Stdio.dup(err[1], 2)),
                    notice -> writeFully(stderr, notice));
            PosixSpawn.close(in[0]);
            PosixSpawn.close(out[1]);
            PosixSpawn.close(err[1]);
            return UserProcess.piped(child, in[1], out[0], err[0]);
        } catch (IOException | RuntimeException e) {
            for (int[] p : new int[][] {in, out, err}) {
                if (p != null) {
                    PosixSpawn.close(p[0]);
                    PosixSpawn.close(p[1]);
                }
            }
            throw e;
        }
    }

    @Override
    public UserProcess startPty(LaunchSpec spec, PtySize size, TerminalModes modes, String ttyNameVariable)
            throws IOException {
        Pty pty = new Pty();
        try {
            // Sized and set before the child exists, so even its first `stty -a` sees the client's size and modes.
            pty.setWindowSize(new WinSize(size.cols(), size.rows()), null);
            setModes(pty.getMasterFD(), modes);
            String terminal = pty.getSlaveName();
            giveTerminal(terminal, spec.user());
            Map<String, String> environment = spec.environment();
            if (ttyNameVariable != null) {
                environment = new HashMap<>(environment);
                environment.put(ttyNameVariable, terminal);
            }
            // The child leads a new session and opens the terminal without O_NOCTTY: it becomes its controlling tty.
            ChildReaper.Child child = spawnAs(spec, environment, List.of(
                    PosixSpawn.Stdio.open(terminal, 0), PosixSpawn.Stdio.dup(0, 1), PosixSpawn.Stdio.dup(0, 2)),
                    notice -> writeToTerminal(terminal, notice));
            return UserProcess.onTerminal(child, pty);
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    /**
     * sshd's tty_parse_modes: the terminal's current settings, changed by the client's modes. Through the master,
     * whose termios calls Linux passes on to the terminal's side, so root never opens the user's terminal. A
     * terminal that refuses them keeps its defaults, and the session goes on, as with sshd.
     */
    private static void setModes(int master, TerminalModes modes) {
        if (modes.isEmpty()) {
            return;
        }
        try {
            Termios termios = Termios.of(master);
            TtyModes.apply(modes, termios);
            termios.setOn(master);
        } catch (IOException e) {
            LOG.warn("cannot set the terminal's modes: {}", e.getMessage());
        }
    }

    /** What to do with sshd's notice about a working directory that could not be entered. */
    private interface Notices {
        void write(String notice) throws IOException;
    }

    /** On a thread that is the user: enter the directory, then execute the program, each checked by the kernel. */
    private ChildReaper.Child spawnAs(LaunchSpec spec, Map<String, String> environment, List<PosixSpawn.Stdio> stdio,
                               Notices notices) throws IOException {
        return UserIdentity.runAs(spec.user(), "spawn", SPAWN_TIMEOUT, () -> {
            enter(spec, notices);
            return execute(spec.command(), environment, stdio);
        });
    }

    private static void enter(LaunchSpec spec, Notices notices) throws IOException {
        String dir = spec.workingDirectory().toString();
        String reason = changeDirectory(dir);
        if (reason == null) {
            return;
        }
        if (!spec.orRoot()) {
            throw new LaunchRefused(LaunchRefused.Part.WORKING_DIRECTORY, dir, reason);
        }
        notices.write("Could not chdir to home directory " + dir + ": " + reason + "\n");
        if (C.chdir("/") != 0) {
            throw new LaunchRefused(LaunchRefused.Part.WORKING_DIRECTORY, "/", C.strerror(Native.getLastError()));
        }
    }

    /**
     * The kernel's chdir as the user, through {@link OwnProcfs}: this thread belongs to the daemon's process, so the
     * kernel would let it into {@code /proc/self/cwd} or {@code /proc/<daemon>/root/...}; a directory reached so is
     * refused as "Permission denied", what any other process of the user gets there. Null when entered.
     */
    private static String changeDirectory(String dir) {
        int fd;
        try {
            fd = OwnProcfs.open(dir, true);
        } catch (OwnProcfs.Refused e) {
            LOG.warn("refused working directory: path={} reason={}", LogText.escape(dir), OwnProcfs.REASON);
            return Errno.reason(Errno.EACCES);
        } catch (AccessDeniedException e) {
            return Errno.reason(Errno.EACCES);
        } catch (NoSuchFileException e) {
            return Errno.reason(Errno.ENOENT);
        } catch (FileSystemException e) {
            return e.getReason() != null ? e.getReason() : e.getMessage();
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
        try {
            return C.fchdir(fd) == 0 ? null : C.strerror(Native.getLastError());
        } finally {
            OwnProcfs.close(fd);
        }
    }

    /**
     * execvp's rules: a name with a slash is run as it is; a bare name is tried in each directory of the PATH the
     * process will have, skipping those where it is missing, and "Permission denied" for a file that is there but
     * may not be run wins over "not found". The tries are {@link UserExec}'s, in the child once it is wholly the
     * user, so each answer is the kernel's for the user; its errno comes back through a pipe that closes on success.
     */
    private ChildReaper.Child execute(List<String> argv, Map<String, String> environment,
                                      List<PosixSpawn.Stdio> stdio) throws IOException {
        String program = argv.get(0);
        boolean search = !program.contains("/");
        List<String> candidates = new ArrayList<>();
        if (search) {
            for (String dir : environment.getOrDefault("PATH", LoginEnvironment.USER_PATH).split(":", -1)) {
                candidates.add(Path.of(dir.isEmpty() ? "." : dir, program).toString());
            }
        } else {
            candidates.add(program);
        }
        int self = UserExec.fd();
        int[] errors = PosixSpawn.pipe();
        ChildReaper.Child child;
        try {
            List<PosixSpawn.Stdio> actions = new ArrayList<>(stdio);
            actions.add(PosixSpawn.Stdio.dup(errors[1], UserExec.ERROR_FD));
            actions.add(PosixSpawn.Stdio.dup(self, UserExec.SELF_FD));
            List<String> helperArgv = UserExec.argv(search, candidates, argv);
            try {
                child = reaper.spawn(() -> PosixSpawn.spawn(UserExec.PATH, helperArgv, environment, actions));
            } catch (PosixSpawn.Failed e) {
                throw new IOException("cannot start user-exec: " + C.strerror(e.errno), e);
            }
            PosixSpawn.close(errors[1]);
            errors[1] = -1;
            int failure = readErrno(errors[0]);
            if (failure == 0) {
                return child;
            }
            // user-exec exits 127 at once; the reaper collects it
            throw new LaunchRefused(LaunchRefused.Part.COMMAND, program,
                    search && failure == Errno.ENOENT ? "command not found" : C.strerror(failure));
        } finally {
            PosixSpawn.close(errors[0]);
            PosixSpawn.close(errors[1]);
        }
    }

    /** 0 once the pipe is closed by a successful exec; else the errno user-exec wrote (one write, under PIPE_BUF). */
    private static int readErrno(int fd) throws IOException {
        byte[] buf = new byte[4];
        long n;
        do {
            n = C.read(fd, buf, buf.length);
        } while (n < 0 && Native.getLastError() == Errno.EINTR);
        if (n == 0) {
            return 0;
        }
        if (n != buf.length) {
            throw new IOException("user-exec answered " + (n < 0 ? C.strerror(Native.getLastError()) : n + " bytes"));
        }
        return ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder()).getInt();
    }

    /** sshd's pty_setowner: the terminal is the user's, group tty and 0620 (or their own group and 0600). */
    private void giveTerminal(String terminal, PosixUser user) throws IOException {
        if (!daemonIsRoot) {
            return; // it is ours already, and we are the user
        }
        int gid = ttyGroup.orElse(user.gid());
        int mode = ttyGroup.isPresent() ? 0620 : 0600;
        if (C.chown(terminal, user.uid(), gid) != 0 || C.chmod(terminal, mode) != 0) {
            throw new IOException("cannot give " + terminal + " to " + user.name() + ": " + C.strerror(Native.getLastError()));
        }
    }

    /** Written through the terminal (as the user, who owns it now), so the client sees it before any output. */
    private static void writeToTerminal(String terminal, String notice) throws IOException {
        int fd = C.open(terminal, O_WRONLY | O_NOCTTY | PosixSpawn.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open " + terminal + ": " + C.strerror(Native.getLastError()));
        }
        try {
            writeFully(fd, notice);
        } finally {
            PosixSpawn.close(fd);
        }
    }

    private static void writeFully(int fd, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // a notice is far smaller than a pipe's or a terminal's buffer: one write takes it whole
        if (C.write(fd, bytes, bytes.length) != bytes.length) {
            throw new IOException("cannot write a notice: " + C.strerror(Native.getLastError()));
        }
    }
}
