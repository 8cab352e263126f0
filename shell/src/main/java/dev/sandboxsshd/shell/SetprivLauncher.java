package dev.sandboxsshd.shell;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.pty4j.WinSize;
import com.pty4j.unix.Pty;

/**
 * The one launcher. When the daemon is root and the target user is not, every program is exec'd through util-linux
 * {@code setpriv --reuid --regid --init-groups}, which drops to the user's uid, gid and supplementary groups before
 * the user's program runs; otherwise the program starts directly. Either way the process is spawned by
 * {@link PosixSpawn} as the leader of a new session (setpriv execs in place, so the pid we hold is the program's);
 * terminals are pty4j's {@link Pty}.
 */
public final class SetprivLauncher implements UserLauncher {
    private final boolean daemonIsRoot;
    private final String setpriv;

    private SetprivLauncher(boolean daemonIsRoot, String setpriv) {
        this.daemonIsRoot = daemonIsRoot;
        this.setpriv = setpriv;
    }

    /** Fails at start, not at the first login, when a needed util-linux tool is missing. */
    public static SetprivLauncher forThisProcess() {
        boolean root = UserDatabase.runningAsRoot();
        return new SetprivLauncher(root, root ? which("setpriv") : null);
    }

    @Override
    public UserProcess startPiped(LaunchSpec spec) throws IOException {
        int[] in = PosixSpawn.pipe();
        int[] out = null;
        int[] err = null;
        try {
            out = PosixSpawn.pipe();
            err = PosixSpawn.pipe();
            int pid = PosixSpawn.spawn(argv(spec), spec.environment(), spec.workingDirectory(), List.of(
                    PosixSpawn.Stdio.dup(in[0], 0), PosixSpawn.Stdio.dup(out[1], 1), PosixSpawn.Stdio.dup(err[1], 2)));
            PosixSpawn.close(in[0]);
            PosixSpawn.close(out[1]);
            PosixSpawn.close(err[1]);
            return UserProcess.piped(pid, in[1], out[0], err[0]);
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
    public UserProcess startPty(LaunchSpec spec, PtySize size, String ttyNameVariable) throws IOException {
        Pty pty = new Pty();
        try {
            // Sized before the child exists, so even its first `stty size` sees the client's size.
            pty.setWindowSize(new WinSize(size.cols(), size.rows()), null);
            Map<String, String> environment = spec.environment();
            if (ttyNameVariable != null) {
                environment = new HashMap<>(environment);
                environment.put(ttyNameVariable, pty.getSlaveName());
            }
            // The child leads a new session and opens the terminal without O_NOCTTY: it becomes its controlling tty.
            int pid = PosixSpawn.spawn(argv(spec), environment, spec.workingDirectory(), List.of(
                    PosixSpawn.Stdio.open(pty.getSlaveName(), 0), PosixSpawn.Stdio.dup(0, 1), PosixSpawn.Stdio.dup(0, 2)));
            return UserProcess.onTerminal(pid, pty);
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    private List<String> argv(LaunchSpec spec) throws IOException {
        List<String> argv = new ArrayList<>(dropPrefix(spec.user()));
        List<String> command = new ArrayList<>(spec.command());
        command.set(0, resolve(command.get(0), spec.environment().get("PATH")));
        argv.addAll(command);
        return argv;
    }

    /** A bare program name is looked up in the PATH the user's process will have, as a shell would. */
    private static String resolve(String program, String path) throws IOException {
        if (program.contains("/")) {
            return program;
        }
        for (String dir : (path == null ? LoginEnvironment.USER_PATH : path).split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IOException(program + ": command not found");
    }

    private List<String> dropPrefix(PosixUser user) {
        if (!daemonIsRoot || user.uid() == 0) {
            return List.of();
        }
        return List.of(setpriv, "--reuid=" + user.uid(), "--regid=" + user.gid(), "--init-groups", "--");
    }

    private static String which(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(tool + " (util-linux) not found on PATH; install util-linux");
    }
}
