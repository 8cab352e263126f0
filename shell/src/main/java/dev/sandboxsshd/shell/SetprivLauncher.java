package dev.sandboxsshd.shell;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;

/**
 * The one launcher. When the daemon is root and the target user is not, every program is exec'd through util-linux
 * {@code setpriv --reuid --regid --init-groups}, which drops to the user's uid, gid and supplementary groups before
 * the user's program runs; otherwise the program starts directly. Piped processes are put in a new session with
 * {@code setsid} (it execs in place, so the pid we hold is the program's), PTY processes get one from pty4j.
 */
public final class SetprivLauncher implements UserLauncher {
    private final boolean daemonIsRoot;
    private final String setsid;
    private final String setpriv;

    private SetprivLauncher(boolean daemonIsRoot, String setsid, String setpriv) {
        this.daemonIsRoot = daemonIsRoot;
        this.setsid = setsid;
        this.setpriv = setpriv;
    }

    /** Fails at start, not at the first login, when a needed util-linux tool is missing. */
    public static SetprivLauncher forThisProcess() {
        boolean root = UserDatabase.runningAsRoot();
        String setsid = which("setsid");
        String setpriv = root ? which("setpriv") : null;
        return new SetprivLauncher(root, setsid, setpriv);
    }

    @Override
    public Process startPiped(LaunchSpec spec) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(setsid);
        argv.addAll(dropPrefix(spec.user()));
        argv.addAll(spec.command());
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().clear();
        builder.environment().putAll(spec.environment());
        builder.directory(spec.workingDirectory().toFile());
        return builder.start();
    }

    @Override
    public PtyProcess startPty(LaunchSpec spec, PtySize size, String ttyNameVariable) throws IOException {
        List<String> argv = new ArrayList<>(dropPrefix(spec.user()));
        // pty4j sizes the terminal only after the child runs, so a quick `stty size` could see 0x0: the child
        // sets its own size first. It also exports the terminal's name, which exists only once pty4j opened it.
        String script = "stty cols " + size.cols() + " rows " + size.rows() + " 2>/dev/null; "
                + (ttyNameVariable == null ? "" : ttyNameVariable + "=$(tty) && export " + ttyNameVariable + "; ")
                + "exec \"$@\"";
        argv.addAll(List.of("/bin/sh", "-c", script, "sh"));
        argv.addAll(spec.command());
        return new PtyProcessBuilder(argv.toArray(String[]::new))
                .setEnvironment(new HashMap<>(spec.environment()))
                .setDirectory(spec.workingDirectory().toString())
                .setInitialColumns(size.cols())
                .setInitialRows(size.rows())
                .setRedirectErrorStream(true)
                .start();
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
