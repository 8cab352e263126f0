package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sandboxsshd.shell.PosixUser;

/**
 * Nothing of the server's own process is the user's to read or write through SFTP or {@code scp -O}: a thread of
 * ours with the user's ids may read its own process's /proc (the kernel lets a thread group see itself), so the
 * daemon refuses it; OpenSSH's listener is another process the kernel refuses. The user's own processes stay
 * readable on both. Run as root against tl-user.
 */
class OwnProcfsIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;

    @TempDir
    static Path dir;
    static BothServers servers;
    static PosixUser user;
    /** A 0755 directory of root's with a 0644 file: the working directory of a process of the user's. */
    static Path shared;
    static Process usersProcess;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        user = TestUser.backend();
        servers = BothServers.start(dir);
        shared = Files.createTempDirectory(Path.of("/tmp"), "own-procfs-it");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(shared.resolve("visible"), "the user's to read");
        usersProcess = new ProcessBuilder("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(),
                "--init-groups", "sleep", "600").directory(shared.toFile()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (usersProcess != null) {
            DaemonProcess.killTree(usersProcess.toHandle());
        }
        if (servers != null) {
            servers.close();
        }
        if (shared != null) {
            try (Stream<Path> all = Files.walk(shared)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** What #21 read and wrote of the daemon's own process, by its pid and by the names only it has. */
    private static List<String> ownPaths(String server) throws Exception {
        long pid = servers.pid(server);
        String tid = String.valueOf(pid);
        List<String> paths = new ArrayList<>(List.of("/proc/" + pid + "/environ", "/proc/" + pid + "/maps",
                "/proc/" + pid + "/smaps", "/proc/" + pid + "/fdinfo/1",
                "/proc/" + pid + "/fd/1", "/proc/" + pid + "/cwd/pom.xml", "/proc/" + pid + "/root/etc/hostname"));
        // sftp-server's own /proc is the user's, and any process's limits and comm are everyone's to read; all of ours are refused
        if (server.equals(OURS)) {
            paths.addAll(List.of("/proc/" + pid + "/limits", "/proc/" + pid + "/task/" + tid + "/comm",
                    "/proc/self/environ", "/proc/thread-self/environ", "/proc/self/cwd/pom.xml",
                    "/proc/" + anotherThread(pid) + "/environ"));
        }
        return paths;
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void sftpCannotReadTheServersOwnProc(String server) throws Exception {
        OpenSsh ssh = servers.client(server);
        for (String path : ownPaths(server)) {
            Path local = dir.resolve(server + "-stolen");
            OpenSsh.Result r = ssh.sftp("get " + path + " " + local + "\n");
            assertNotEquals(0, r.exit(), path + ": " + r.out());
            assertTrue(r.stderr().contains("Permission denied") || r.stderr().contains("not found"),
                    path + ": " + r.stderr());
            assertFalse(Files.exists(local), path);
        }
        long pid = servers.pid(server);
        for (String listed : List.of("/proc/" + pid + "/fd", "/proc/" + pid + "/cwd/")) {
            OpenSsh.Result listing = ssh.sftp("ls " + listed + "\n");
            assertNotEquals(0, listing.exit(), listed + ": " + listing.out());
            assertTrue(listing.stderr().contains("Permission denied") || listing.stderr().contains("not found"),
                    listed + ": " + listing.stderr());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void sftpAndScpCannotRenameTheServersThreads(String server) throws Exception {
        long pid = servers.pid(server);
        Path comm = Path.of("/proc/" + pid + "/task/" + pid + "/comm");
        String before = Files.readString(comm);
        Path name = Files.writeString(dir.resolve(server + "-comm"), "renamed\n");
        OpenSsh ssh = servers.client(server);
        OpenSsh.Result put = ssh.sftp("put " + name + " " + comm + "\n");
        assertNotEquals(0, put.exit(), put.out());
        assertTrue(put.stderr().contains("Permission denied"), put.stderr());
        OpenSsh.Result scp = ssh.scp(List.of("-O"), name.toString(), ":" + comm);
        assertNotEquals(0, scp.exit(), scp.stderr());
        assertTrue(scp.stderr().contains("Permission denied"), scp.stderr());
        assertEquals(before, Files.readString(comm));
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void scpCannotCopyTheServersOwnProc(String server) throws Exception {
        OpenSsh ssh = servers.client(server);
        for (String path : ownPaths(server)) {
            Path local = dir.resolve(server + "-scp-stolen");
            OpenSsh.Result r = ssh.scp(List.of("-O"), ":" + path, local.toString());
            assertNotEquals(0, r.exit(), path);
            assertTrue(r.stderr().contains("Permission denied") || r.stderr().contains("No such file"),
                    path + ": " + r.stderr());
            assertFalse(Files.exists(local), path);
        }
    }

    @Test
    void symlinksInTheHomeDoNotReachIt() throws Exception {
        OpenSsh ssh = servers.client(OURS);
        long pid = servers.pid(OURS);
        String name = "own-procfs-" + ProcessHandle.current().pid();
        OpenSsh.Result made = ssh.run("mkdir -p " + name + " && ln -sfn /proc/" + pid + " " + name + "/daemon"
                + " && ln -sfn /proc/self/environ " + name + "/env && ln -sfn /proc/" + pid + "/cwd " + name + "/cwd");
        assertEquals(0, made.exit(), made.stderr());
        try {
            for (String path : List.of(name + "/daemon/environ", name + "/env", name + "/cwd/pom.xml",
                    name + "/daemon/fd/1")) {
                Path local = dir.resolve("link-stolen");
                OpenSsh.Result r = ssh.sftp("get " + path + " " + local + "\n");
                assertNotEquals(0, r.exit(), path + ": " + r.out());
                assertFalse(Files.exists(local), path);
                OpenSsh.Result scp = ssh.scp(List.of("-O"), ":" + path, local.toString());
                assertNotEquals(0, scp.exit(), path);
                assertFalse(Files.exists(local), path);
            }
            String log = servers.ours.daemon.log();
            assertTrue(log.contains("refused sftp open: ") && log.contains("reason=the daemon's own process"), log);
            assertTrue(log.contains("refused scp path: "), log);
        } finally {
            ssh.run("rm -rf " + name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void theUsersOwnProcessesStayReadable(String server) throws Exception {
        OpenSsh ssh = servers.client(server);
        long pid = usersProcess.pid();
        for (String path : List.of("/proc/" + pid + "/status", "/proc/" + pid + "/environ", "/proc/meminfo",
                "/proc/" + pid + "/cwd/visible")) {
            Path local = dir.resolve(server + "-own");
            Files.deleteIfExists(local);
            OpenSsh.Result r = ssh.sftp("get " + path + " " + local + "\n");
            assertEquals(0, r.exit(), path + ": " + r.stderr());
            Files.deleteIfExists(Path.of(local + "-scp"));
            OpenSsh.Result scp = ssh.scp(List.of("-O"), ":" + path, local + "-scp");
            assertEquals(0, scp.exit(), path + ": " + scp.stderr());
        }
        assertEquals("the user's to read", Files.readString(dir.resolve(server + "-own")));
        assertEquals("the user's to read", Files.readString(dir.resolve(server + "-own-scp")));
        OpenSsh.Result listing = ssh.sftp("ls /proc/" + pid + "/cwd/\n");
        assertEquals(0, listing.exit(), listing.stderr());
        assertTrue(listing.out().contains("visible"), listing.out());
    }

    private static String anotherThread(long pid) throws Exception {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.map(p -> p.getFileName().toString()).filter(t -> !t.equals(String.valueOf(pid)))
                    .findFirst().orElseThrow();
        }
    }
}
