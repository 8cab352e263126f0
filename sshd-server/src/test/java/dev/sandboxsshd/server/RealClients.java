package dev.sandboxsshd.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.sandboxsshd.shell.PosixUser;

/** What the tests of the clients people mount and sync with (sshfs, rclone, lftp) share. */
final class RealClients {
    private RealClients() {
    }

    /**
     * A source tree of {@code files} small text files (100 B to 6 KiB, a few executable) in nested directories, the
     * same bytes for the same count, readable by everyone (the user's clients read it as the user).
     */
    static Path sourceTree(Path root, int files) throws IOException {
        Random random = new Random(files);
        Files.createDirectories(root);
        OpenSshServer.letOthersSearch(root);
        for (int i = 0; i < files; i++) {
            Path dir = root.resolve("src/main/java/dev/example/m" + (i % 7) + "/p" + (i % 23));
            if (i % 5 == 0) {
                dir = root.resolve("docs/part" + (i % 11));
            }
            Files.createDirectories(dir);
            Path file = dir.resolve("File" + i + (i % 5 == 0 ? ".md" : ".java"));
            StringBuilder text = new StringBuilder("// file " + i + "\n");
            int size = 100 + random.nextInt(6 * 1024);
            while (text.length() < size) {
                text.append("    int v").append(random.nextInt(1_000_000)).append(" = ").append(random.nextLong()).append(";\n");
            }
            Files.writeString(file, text);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(i % 17 == 0 ? "rwxr-xr-x" : "rw-r--r--"));
        }
        try (var dirs = Files.walk(root)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        return root;
    }

    /**
     * The shell line that lists a tree: every file with its SHA-256 and every directory, by path relative to the
     * tree, sorted: the same output on both sides means the same names and bytes.
     */
    static String manifestCommand(String dir) {
        return "cd '" + dir + "' && { find . -type d | LC_ALL=C sort; find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2; }";
    }

    /** {@link #manifestCommand} run here. */
    static String localManifest(Path dir) throws Exception {
        OpenSsh.Result r = OpenSsh.exec(List.of("sh", "-c", manifestCommand(dir.toString())), null, null);
        if (r.exit() != 0) {
            throw new IllegalStateException(r.stderr());
        }
        return r.out();
    }

    /** {@link #manifestCommand} run on the server, as the user. */
    static String remoteManifest(OpenSsh ssh, String dir) throws Exception {
        OpenSsh.Result r = ssh.run(manifestCommand(dir));
        if (r.exit() != 0) {
            throw new IllegalStateException(r.stderr());
        }
        return r.out();
    }

    /** A command line run as the backend user: its uid, gid and groups, a fresh environment, umask 022. */
    static List<String> asUser(List<String> command) {
        PosixUser user = TestUser.backend();
        List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(),
                "--init-groups", "env", "-i", "HOME=" + user.home(), "USER=" + user.name(), "LOGNAME=" + user.name(),
                "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"));
        argv.addAll(command);
        return argv;
    }

    /**
     * The daemon's WARN lines that are not refusals: an operator greps the log for WARN, so each should be something
     * to look at (a refusal the user caused is one greppable {@code refused ...} line and stays).
     */
    static List<String> warningsNotRefusals(DaemonProcess daemon) throws IOException {
        return daemon.log().lines().filter(l -> l.contains(" WARN ") && !l.contains(" refused ")).toList();
    }
}
