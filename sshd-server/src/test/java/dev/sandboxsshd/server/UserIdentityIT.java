package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sandboxsshd.shell.PosixUser;

/**
 * Whatever the daemon does for the user, the kernel sees the user: uid, gids, groups and no capabilities, for files
 * reached through {@code /proc}, the credentials a UNIX-socket peer sees, the owner of forwarded TCP sockets, the
 * environment and working directory of processes. Each SSH case runs against OpenSSH's own sshd too
 * ({@link OpenSshServer}), which proves the test can pass. Run as root against tl-user.
 */
class UserIdentityIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;

    @TempDir
    static Path dir;
    static SshFixture fx;
    static BothServers servers;
    static PosixUser user;
    /** Root's: a 0755 directory holding {@code private} (0700) and, for the user, {@code mine} (the user's). */
    static Path rootDir;
    static Path privateDir;
    static Path userDir;
    static Process rootProcess;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        user = TestUser.backend();
        servers = BothServers.start(dir);
        fx = servers.ours;
        rootDir = Files.createTempDirectory(Path.of("/tmp"), "identity-it");
        Files.setPosixFilePermissions(rootDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        privateDir = Files.createDirectories(rootDir.resolve("private/inside"));
        Files.setPosixFilePermissions(rootDir.resolve("private"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(privateDir.resolve("secret"), "root's secret");
        Files.writeString(privateDir.resolve("tool"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(privateDir.resolve("tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        userDir = Files.createDirectories(rootDir.resolve("mine"));
        Files.setAttribute(userDir, "unix:uid", user.uid());
        Files.setAttribute(userDir, "unix:gid", user.gid());
        // A root process whose working directory and an open file are behind the 0700 directory.
        rootProcess = new ProcessBuilder("sh", "-c", "exec sleep 600 3<secret").directory(privateDir.toFile()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (rootProcess != null) {
            DaemonProcess.killTree(rootProcess.toHandle());
        }
        if (servers != null) {
            servers.close();
        }
        if (rootDir != null) {
            try (Stream<Path> all = Files.walk(rootDir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static OpenSsh client(String server) throws Exception {
        return servers.client(server);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void sftpWorksOnAThreadThatIsTheUserWithNoCapabilities(String server) throws Exception {
        String status;
        if (server.equals(OURS)) {
            // the daemon's own /proc is refused to the user (OwnProcfsIT): the SFTP thread is read from outside
            status = sftpThreadStatus();
        } else {
            Path local = dir.resolve(server + "-status");
            OpenSsh.Result r = client(server).sftp("get /proc/thread-self/status " + local + "\n");
            assertEquals(0, r.exit(), r.stderr());
            status = Files.readString(local);
        }
        String[] uids = line(status, "Uid:").split("\t");
        // effective and filesystem uid: the user's. Real and saved: sshd's sftp-server is wholly the user; ours is a
        // thread of the daemon, whose real and saved uid are the holder id, so the user may not signal or limit it
        assertEquals(List.of(String.valueOf(user.uid()), String.valueOf(user.uid())), List.of(uids[1], uids[3]), status);
        if (server.equals(OURS)) {
            assertEquals(uids[0], uids[2], status);
            assertFalse(uids[0].equals("0") || uids[0].equals(String.valueOf(user.uid())), status);
        } else {
            assertEquals(List.of(String.valueOf(user.uid()), String.valueOf(user.uid())), List.of(uids[0], uids[2]), status);
        }
        String gids = user.gid() + "\t" + user.gid() + "\t" + user.gid() + "\t" + user.gid();
        assertTrue(status.contains("\nGid:\t" + gids + "\n"), status);
        String groups = user.groups().stream().sorted().map(String::valueOf).collect(Collectors.joining(" "));
        assertEquals(groups, line(status, "Groups:"), status);
        assertEquals("0000000000000000", line(status, "CapEff:"), status);
        assertEquals("0000000000000000", line(status, "CapPrm:"), status);
    }

    /**
     * The status of the daemon's SFTP thread once it has switched, while an sftp session (waiting for its next
     * command) is open.
     */
    private static String sftpThreadStatus() throws Exception {
        List<String> args = new ArrayList<>(fx.ssh.baseArgs("sftp"));
        args.addAll(List.of("-o", "LogLevel=ERROR", "-b", "-", fx.ssh.user + "@127.0.0.1"));
        Process sftp = new ProcessBuilder(args).redirectErrorStream(true).start();
        try {
            Path[] task = new Path[1];
            Await.until("the daemon's sftp thread", Duration.ofSeconds(20), () -> {
                try (Stream<Path> tasks = Files.list(Path.of("/proc/" + fx.daemon.pid + "/task"))) {
                    for (Path t : tasks.toList()) {
                        try {
                            // named before it takes the user's identity: wait until it has taken it
                            if (Files.readString(t.resolve("comm")).startsWith("sftp-")
                                    && !Files.readString(t.resolve("status")).contains("\nUid:\t0\t0\t0\t0\n")) {
                                task[0] = t;
                                return true;
                            }
                        } catch (IOException ended) {
                            // the thread ended while we listed
                        }
                    }
                }
                return false;
            });
            return Files.readString(task[0].resolve("status"));
        } finally {
            sftp.getOutputStream().close();
            DaemonProcess.killTree(sftp.toHandle());
        }
    }

    /**
     * A directory of the user's that only they may enter: the kernel lets the user in, so must we. Our threads' real
     * uid is the holder id, and access(2) checks the real uid: a check by access (the JDK's Files.isReadable,
     * Files.exists, MINA's opendir and scp paths) would refuse what the real operation allows.
     */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void sftpAndScpWorkInADirectoryOnlyTheUserMayEnter(String server) throws Exception {
        Path own = userDir.resolve("only-mine-" + server);
        Files.createDirectory(own);
        Files.writeString(own.resolve("file"), "mine\n");
        for (Path p : List.of(own, own.resolve("file"))) {
            Files.setAttribute(p, "unix:uid", user.uid());
            Files.setAttribute(p, "unix:gid", user.gid());
        }
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
        Path upload = Files.writeString(dir.resolve(server + "-upload"), "up\n");
        Path got = dir.resolve(server + "-got");
        OpenSsh.Result sftp = client(server).sftp(String.join("\n",
                "ls " + own,
                "ls -l " + own,
                "get " + own + "/file " + got,
                "put " + upload + " " + own + "/up",
                "mkdir " + own + "/sub",
                "rename " + own + "/up " + own + "/sub/moved",
                "chmod 640 " + own + "/file",
                "df " + own,
                "cd " + own,
                "pwd",
                "ln -s file link",
                "ls -l sub",
                ""));
        assertEquals(0, sftp.exit(), sftp.stderr());
        assertTrue(sftp.out().contains("file"), sftp.out());
        assertTrue(sftp.out().contains("moved"), sftp.out());
        assertTrue(sftp.out().contains("Remote working directory: " + own), sftp.out());
        assertEquals("mine\n", Files.readString(got));
        assertEquals("up\n", Files.readString(own.resolve("sub/moved")));
        assertEquals(user.uid(), Files.getAttribute(own.resolve("sub"), "unix:uid"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(own.resolve("file"))));
        assertEquals(Path.of("file"), Files.readSymbolicLink(own.resolve("link")));

        Path local = dir.resolve(server + "-scp-only-mine");
        OpenSsh.Result scp = client(server).scp(List.of("-O"), ":" + own.resolve("file"), local.toString());
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("mine\n", Files.readString(local));
        scp = client(server).scp(List.of("-O"), upload.toString(), ":" + own.resolve("scp-in"));
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("up\n", Files.readString(own.resolve("scp-in")));
        scp = client(server).scp(List.of("-O"), upload.toString(), ":" + own.resolve("sub"));
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("up\n", Files.readString(own.resolve("sub").resolve(upload.getFileName())));

        Path tree = Files.createDirectories(dir.resolve(server + "-tree/inner"));
        Files.writeString(tree.resolve("leaf"), "leaf\n");
        scp = client(server).scp(List.of("-O", "-r"), tree.getParent().toString(), ":" + own);
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("leaf\n", Files.readString(own.resolve(server + "-tree/inner/leaf")));
        assertEquals(user.uid(), Files.getAttribute(own.resolve(server + "-tree/inner"), "unix:uid"));
        Path back = Files.createDirectories(dir.resolve(server + "-back"));
        scp = client(server).scp(List.of("-O", "-r"), ":" + own, back.toString());
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("up\n", Files.readString(back.resolve(own.getFileName()).resolve("sub/moved")));

        Path globbed = Files.createDirectories(dir.resolve(server + "-globbed"));
        scp = client(server).scp(List.of("-O"), ":" + own.resolve("sub") + "/mov*", globbed.toString());
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("up\n", Files.readString(globbed.resolve("moved")));

        Path sftpMode = dir.resolve(server + "-scp-sftp-mode");
        scp = client(server).scp(List.of(), ":" + own.resolve("file"), sftpMode.toString());
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("mine\n", Files.readString(sftpMode));
        scp = client(server).scp(List.of("-r"), tree.getParent().toString(), ":" + own.resolve("sub"));
        assertEquals(0, scp.exit(), scp.stderr());
        assertEquals("leaf\n", Files.readString(own.resolve("sub/" + server + "-tree/inner/leaf")));
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void sftpCannotReachRootsFilesThroughProc(String server) throws Exception {
        long pid = rootProcess.pid();
        for (String path : List.of("/proc/" + pid + "/cwd/secret", "/proc/" + pid + "/maps", "/proc/" + pid + "/fd/3",
                "/proc/" + pid + "/environ", "/proc/" + pid + "/root/" + privateDir + "/secret")) {
            Path local = dir.resolve(server + "-stolen");
            OpenSsh.Result r = client(server).sftp("get " + path + " " + local + "\n");
            assertNotEquals(0, r.exit(), path + ": " + r.out());
            // sftp's glob reports a path it may not stat as "not found", as OpenSSH's sftp-server's refusal shows
            assertTrue(r.stderr().contains("Permission denied") || r.stderr().contains("not found"), path + ": " + r.stderr());
            assertFalse(Files.exists(local), path);
        }
        OpenSsh.Result listing = client(server).sftp("ls /proc/" + pid + "/map_files\n");
        assertTrue(listing.stderr().contains("Permission denied"), listing.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void unixSocketForwardShowsTheUsersCredentialsToThePeer(String server) throws Exception {
        Path target = rootDir.resolve(server + "-root.sock");
        Path local = dir.resolve(server + "-l.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(target));
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
            Process ssh = forward(client(server), "-L", local + ":" + target);
            try (SocketChannel client = connectWhenListening(ssh, () -> SocketChannel.open(UnixDomainSocketAddress.of(local)));
                 SocketChannel peer = accept(listener)) {
                UnixDomainPrincipal seen = peer.getOption(ExtendedSocketOptions.SO_PEERCRED);
                assertEquals(user.name(), seen.user().getName());
                assertEquals(TestGroups.name(user.gid()), seen.group().getName());
            } finally {
                DaemonProcess.killTree(ssh.toHandle());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void remoteUnixSocketListenerIsTheUsers(String server) throws Exception {
        Path remote = userDir.resolve(server + "-r.sock");
        Path local = dir.resolve(server + "-r-local.sock");
        try (ServerSocketChannel localServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            localServer.bind(UnixDomainSocketAddress.of(local));
            Process ssh = forward(client(server), "-R", remote + ":" + local);
            try {
                Await.until("the forwarded socket " + remote, Duration.ofSeconds(20),
                        () -> Files.exists(remote) || !ssh.isAlive());
                try (SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(remote))) {
                    UnixDomainPrincipal listenerCreds = s.getOption(ExtendedSocketOptions.SO_PEERCRED);
                    assertEquals(user.name(), listenerCreds.user().getName());
                }
                assertEquals(user.name(), Files.getOwner(remote).getName());
            } finally {
                DaemonProcess.killTree(ssh.toHandle());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void tcpForwardSocketsAreOwnedByTheUser(String server) throws Exception {
        try (ServerSocketChannel target = ServerSocketChannel.open()) {
            target.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int targetPort = ((InetSocketAddress) target.getLocalAddress()).getPort();
            int localPort;
            try (ServerSocketChannel probe = ServerSocketChannel.open()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                localPort = ((InetSocketAddress) probe.getLocalAddress()).getPort();
            }
            Process ssh = forward(client(server), "-L", "127.0.0.1:" + localPort + ":127.0.0.1:" + targetPort);
            try (SocketChannel client = connectWhenListening(ssh,
                    () -> SocketChannel.open(new InetSocketAddress("127.0.0.1", localPort)));
                 SocketChannel accepted = accept(target)) {
                int serverSide = ((InetSocketAddress) accepted.getRemoteAddress()).getPort();
                // the server's end of the forwarded connection, as `ss -e` shows it (no uid: field is root)
                OpenSsh.Result ss = OpenSsh.exec(List.of("ss", "-tneH", "state", "established",
                        "( sport = :" + serverSide + " )"), null, null);
                assertEquals(0, ss.exit(), ss.stderr());
                assertTrue(ss.out().contains(" uid:" + user.uid() + " "), ss.out());
            } finally {
                DaemonProcess.killTree(ssh.toHandle());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void aHomeTheUserCannotEnterStartsTheSessionInRootWithSshdsNotice(String server) throws Exception {
        // In a mount namespace of its own, the server sees tl-user's home covered by root's 0700 directory;
        // nothing of the machine changes.
        Path blocked = Files.createDirectories(rootDir.resolve("blocked-" + server));
        Files.setPosixFilePermissions(blocked, PosixFilePermissions.fromString("rwx------"));
        List<String> prefix = List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount --bind \"$0\" \"$1\" && shift && exec \"$@\"", blocked.toString(), user.home().toString());
        String expected = "Could not chdir to home directory " + user.home() + ": Permission denied";
        if (server.equals(OURS)) {
            Path state = dir.resolve("blocked-home/state");
            List<String> args = List.of("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0",
                    "--state-dir", state.toString());
            try (DaemonProcess daemon = DaemonProcess.startWith(prefix, state, args)) {
                assertEquals(200, daemon.enable(fx.key.publicLine(), user.name()).status());
                assertStartsInRoot(new OpenSsh(daemon.sshPort(), user.name(), fx.key), expected);
            }
        } else {
            assumeTrue(Files.isExecutable(OpenSshServer.SSHD), "needs openssh-server");
            try (OpenSshServer blockedSshd = OpenSshServer.start(dir.resolve("openssh-blocked"), fx.key, prefix)) {
                assertStartsInRoot(blockedSshd.ssh, expected);
            }
        }
    }

    @Test
    void anAccountGoneAfterEnableIsRefusedAtLoginWithOneLogLine() throws Exception {
        // The daemon's own mount namespace gets a passwd without the user once SSH is enabled for them.
        Path passwd = Files.writeString(rootDir.resolve("passwd-without-user"), Files.readAllLines(Path.of("/etc/passwd"))
                .stream().filter(l -> !l.startsWith(user.name() + ":")).collect(Collectors.joining("\n", "", "\n")));
        Files.setPosixFilePermissions(passwd, PosixFilePermissions.fromString("rw-r--r--"));
        Path state = dir.resolve("gone-user/state");
        try (DaemonProcess daemon = DaemonProcess.startWith(List.of("unshare", "--mount", "--propagation", "private"), state,
                List.of("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0", "--state-dir", state.toString()))) {
            assertEquals(200, daemon.enable(fx.key.publicLine(), user.name()).status());
            OpenSsh ssh = new OpenSsh(daemon.sshPort(), user.name(), fx.key);
            assertEquals(0, ssh.run("true").exit());
            OpenSsh.Result mount = OpenSsh.exec(List.of("nsenter", "--mount", "--target", String.valueOf(daemon.pid),
                    "mount", "--bind", passwd.toString(), "/etc/passwd"), null, null);
            assertEquals(0, mount.exit(), mount.stderr());
            OpenSsh.Result refused = ssh.run("true");
            assertEquals(255, refused.exit(), refused.stderr());
            assertTrue(refused.stderr().contains("Permission denied (publickey)"), refused.stderr());
            String refusal = "refused publickey auth: remote=";
            Await.until("the refusal in the log", Duration.ofSeconds(10),
                    () -> Files.readString(daemon.log).contains("reason=user no longer exists"));
            List<String> lines = Files.readAllLines(daemon.log).stream().filter(l -> l.contains(refusal)).toList();
            assertTrue(lines.stream().allMatch(l -> l.contains("user=" + user.name())
                    && l.endsWith("reason=user no longer exists")), String.join("\n", lines));
        }
    }

    private static void assertStartsInRoot(OpenSsh ssh, String notice) throws Exception {
        OpenSsh.Result r = ssh.run("pwd");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("/", r.out().strip());
        assertTrue(r.stderr().contains(notice), r.stderr());
        OpenSsh.Result tty = ssh.run(List.of("-tt"), null, "pwd");
        assertEquals(0, tty.exit(), tty.stderr());
        assertTrue(tty.out().contains(notice), tty.out());
        assertTrue(tty.out().strip().endsWith("/"), tty.out());
    }

    @Test
    void ptyApiEnvironmentReachesOnlyTheUsersProcess() throws Exception {
        // glibc's loader writes LD_DEBUG_OUTPUT.<pid> as whoever it runs as: any file owned by root means a
        // process that was still root when it read the request's environment (a helper exec'd before the drop).
        Path debug = Files.createDirectories(rootDir.resolve("ld-debug"));
        Files.setPosixFilePermissions(debug, PosixFilePermissions.fromString("rwxrwxrwx"));
        DaemonProcess.Http r = fx.daemon.call("POST", "/api/v1/pty", "{\"command\": \"/bin/true\", \"env\": "
                + "{\"LD_DEBUG\": \"files\", \"LD_DEBUG_OUTPUT\": \"" + debug.resolve("dbg") + "\"}}");
        assertEquals(200, r.status(), r.raw());
        String id = r.body().get("session_id").asText();
        Await.until("the PTY process to exit", Duration.ofSeconds(20),
                () -> !fx.daemon.call("GET", "/api/v1/pty/" + id, null).body().get("running").asBoolean());
        List<String> owners = new ArrayList<>();
        try (Stream<Path> files = Files.list(debug)) {
            for (Path f : files.toList()) {
                owners.add(Files.getOwner(f).getName());
            }
        }
        assertFalse(owners.isEmpty(), "the loader wrote no debug output at all");
        assertEquals(List.of(user.name()), owners.stream().distinct().toList());
    }

    @Test
    void ptyApiWorkingDirectoryAndCommandAreCheckedByTheKernelAsTheUser() throws Exception {
        int sessionsBefore = fx.daemon.call("GET", "/api/v1/pty", null).body().get("sessions").size();
        DaemonProcess.Http dirRefused = fx.daemon.call("POST", "/api/v1/pty",
                "{\"command\": \"/bin/pwd\", \"working_dir\": \"" + privateDir + "\"}");
        assertEquals(400, dirRefused.status(), dirRefused.raw());
        assertEquals("working_dir " + privateDir + ": Permission denied", dirRefused.body().get("error").asText());

        DaemonProcess.Http commandRefused = fx.daemon.call("POST", "/api/v1/pty",
                "{\"command\": \"" + privateDir.resolve("tool") + "\"}");
        assertEquals(400, commandRefused.status(), commandRefused.raw());
        assertEquals("command " + privateDir.resolve("tool") + ": Permission denied",
                commandRefused.body().get("error").asText());

        DaemonProcess.Http missing = fx.daemon.call("POST", "/api/v1/pty", "{\"command\": \"no-such-tool-here\"}");
        assertEquals(400, missing.status(), missing.raw());
        assertEquals("command no-such-tool-here: command not found", missing.body().get("error").asText());

        // the spawning thread is in the daemon's process, whose own /proc the kernel would let it into
        for (String own : List.of("/proc/self/cwd", "/proc/" + fx.daemon.pid + "/cwd")) {
            DaemonProcess.Http ownProc = fx.daemon.call("POST", "/api/v1/pty",
                    "{\"command\": \"/bin/pwd\", \"working_dir\": \"" + own + "\"}");
            assertEquals(400, ownProc.status(), ownProc.raw());
            assertEquals("working_dir " + own + ": Permission denied", ownProc.body().get("error").asText());
        }

        assertEquals(sessionsBefore, fx.daemon.call("GET", "/api/v1/pty", null).body().get("sessions").size(),
                "a refused create starts nothing");
    }

    private static Process forward(OpenSsh ssh, String option, String spec) throws IOException {
        List<String> args = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes", option, spec));
        return new ProcessBuilder(ssh.sshArgs(args)).redirectErrorStream(true).start();
    }

    private interface Connect {
        SocketChannel open() throws IOException;
    }

    /** Connects once the client's forward listens; probes that fail open no channel, so only this one is forwarded. */
    private static SocketChannel connectWhenListening(Process ssh, Connect connect) throws Exception {
        SocketChannel[] connected = new SocketChannel[1];
        Await.until("the client's forward to listen", Duration.ofSeconds(20), () -> {
            if (!ssh.isAlive()) {
                throw new AssertionError("ssh ended: " + new String(ssh.getInputStream().readAllBytes()));
            }
            try {
                connected[0] = connect.open();
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return connected[0];
    }

    private static SocketChannel accept(ServerSocketChannel listener) throws Exception {
        listener.configureBlocking(false);
        SocketChannel[] accepted = new SocketChannel[1];
        Await.until("the forwarded connection to arrive", Duration.ofSeconds(20),
                () -> (accepted[0] = listener.accept()) != null);
        accepted[0].configureBlocking(true);
        return accepted[0];
    }

    private static String line(String status, String key) {
        return status.lines().filter(l -> l.startsWith(key)).findFirst().orElse(key).substring(key.length()).strip();
    }

    /** Group names as the tests' JVM sees them. */
    private static final class TestGroups {
        static String name(int gid) {
            return dev.sandboxsshd.shell.UserDatabase.groupName(gid).orElse(String.valueOf(gid));
        }
    }
}
