package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Debian's real OpenSSH {@code sshd}, as root on 127.0.0.1 with a config, host key and authorized keys of its own,
 * so that a security test can run the same client commands against it as against our daemon and so prove that
 * the test itself can pass. Nothing of the machine's is changed: not the account, not /etc/ssh, not its sshd service
 * (only /run/sshd, sshd's privilege separation directory, is created when missing).
 *
 * <p>The backend user's password field is the locked {@code !} that useradd leaves. With {@code UsePAM no} sshd
 * refuses a locked account for every method, public key included ("User tl-user not allowed because account is
 * locked"); with {@code UsePAM yes} sshd leaves that check to PAM's account stack, and Debian's /etc/pam.d/sshd
 * ({@code pam_unix} account: expiry only, never the lock) lets the key login through. That file is used even with
 * our own {@code -f} config (OpenSSH 9.2 names the PAM service after its program, sshd), so its session modules run too: pam_loginuid,
 * and pam_motd, which rewrites /run/motd.dynamic at each login, as on any Debian machine with sshd.
 *
 * <p>sshd reads AuthorizedKeysFile as the user, so the directory chain below the system temp dir gets search
 * permission for others (never read: the test's files cannot be listed, private keys stay 0600).
 */
final class OpenSshServer implements AutoCloseable {
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Path PRIVSEP_DIR = Path.of("/run/sshd");
    private static final int BIND_TRIES = 5;
    private static final Duration START = Duration.ofSeconds(30);

    final int port;
    final long pid;
    final Path dir;
    final Path log;
    final OpenSsh ssh;
    private final Process process;

    private OpenSshServer(int port, Path dir, Path log, OpenSsh ssh, Process process) {
        this.port = port;
        this.pid = process.pid();
        this.dir = dir;
        this.log = log;
        this.ssh = ssh;
        this.process = process;
    }

    /**
     * Starts sshd trusting {@code key} for the backend user (tl-user), with its files in {@code dir} (created
     * when missing; a directory of the test's own, under the temp dir), and returns once a login has worked.
     * Skips the calling test when not root or when openssh-server is not installed.
     */
    static OpenSshServer start(Path dir, ClientKey key) throws Exception {
        return start(dir, key, List.of());
    }

    /** @param prefix a wrapper that execs sshd, such as {@code unshare --mount} with a bind mount (as for DaemonProcess) */
    static OpenSshServer start(Path dir, ClientKey key, List<String> prefix) throws Exception {
        return start(dir, key, prefix, List.of());
    }

    /**
     * @param config sshd_config lines such as {@code AllowAgentForwarding no}; written before the fixture's own, since
     *               sshd keeps the first value of a keyword
     */
    static OpenSshServer start(Path dir, ClientKey key, List<String> prefix, List<String> config) throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        assumeTrue(Files.isExecutable(SSHD), "needs OpenSSH's " + SSHD + " as the reference server: apt-get install"
                + " openssh-server (.ci/run does, without starting its service)");
        String user = TestUser.backend().name();
        Files.createDirectories(dir);
        letOthersSearch(dir);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Path authorizedKeys = dir.resolve("authorized_keys");
        if (!Files.exists(hostKey)) {
            keygen(hostKey);
        }
        Files.writeString(authorizedKeys, key.publicLine() + "\n");
        Files.setPosixFilePermissions(authorizedKeys, PosixFilePermissions.fromString("rw-r--r--"));
        if (!Files.isDirectory(PRIVSEP_DIR)) {
            Files.createDirectories(PRIVSEP_DIR,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        Path configFile = dir.resolve("sshd_config");
        Path log = dir.resolve("sshd.log");
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            List<String> lines = new ArrayList<>(config);
            lines.addAll(List.of(
                    "Port " + port,
                    "ListenAddress 127.0.0.1",
                    "HostKey " + hostKey,
                    "AuthorizedKeysFile " + authorizedKeys,
                    "PidFile " + dir.resolve("sshd.pid"),
                    // the only way past the locked password field without touching the account: see the class comment
                    "UsePAM yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "StrictModes no",
                    "Subsystem sftp /usr/lib/openssh/sftp-server",
                    "AllowTcpForwarding yes",
                    "AllowStreamLocalForwarding yes",
                    "AllowAgentForwarding yes"));
            Files.writeString(configFile, String.join("\n", lines) + "\n");
            List<String> argv = new ArrayList<>(prefix);
            argv.addAll(List.of(SSHD.toString(), "-D", "-e", "-f", configFile.toString()));
            Process process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            OpenSshServer server = new OpenSshServer(port, dir, log, new OpenSsh(port, user, key), process);
            try {
                String listening = "Server listening on 127.0.0.1 port " + port + ".";
                Await.until("sshd to listen on port " + port, START,
                        () -> !process.isAlive() || server.log().contains(listening));
                if (!process.isAlive()) {
                    String out = server.log();
                    // another process took the port between our probe and sshd's bind: pick another
                    if (out.contains("Address already in use") && attempt < BIND_TRIES) {
                        continue;
                    }
                    throw new IOException("sshd exited with " + process.exitValue() + ":\n" + out);
                }
                OpenSsh.Result login = server.ssh.run("true");
                if (login.exit() != 0) {
                    throw new IOException("login as " + user + " failed (" + login.exit() + "): " + login.stderr()
                            + "\nsshd log:\n" + server.log());
                }
                return server;
            } catch (Exception | AssertionError e) {
                server.close();
                throw e;
            }
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** The JVM's own trick: the port the kernel gave a socket bound to 0, free again once closed. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void keygen(Path key) throws IOException, InterruptedException {
        OpenSsh.Result r = OpenSsh.exec(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "openssh-reference",
                "-f", key.toString()), null, null);
        if (r.exit() != 0) {
            throw new IOException("ssh-keygen failed: " + r.stderr());
        }
    }

    /** Search permission for others on dir and its ancestors below the temp dir (never on the temp dir itself). */
    static void letOthersSearch(Path dir) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
        for (Path p = dir.toRealPath(); p != null && p.startsWith(tmp) && !p.equals(tmp); p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    /** Ends sshd and every process it started (session monitors, shells, sftp-server), by pid, and waits. */
    @Override
    public void close() {
        DaemonProcess.killTree(process.toHandle());
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
