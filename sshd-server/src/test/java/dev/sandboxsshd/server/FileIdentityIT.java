package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Through SFTP and SCP (both modes) the user can do exactly what they can in their shell, no more: files they
 * create are theirs, and what the kernel refuses them is refused with "Permission denied". Run as root against
 * tl-user, so the daemon's own rights are really out of reach.
 */
class FileIdentityIT {
    @TempDir
    static Path dir;
    static SshFixture fx;
    static Path work;
    static Path othersFile;
    static Path rootFileInTmp;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        fx = SshFixture.start(dir);
        work = Files.createDirectories(TestUser.backend().home().resolve("identity-it-" + ProcessHandle.current().pid()));
        chown(work, "tl-user:tl-user");
        othersFile = Files.writeString(Files.createTempFile("sbx-other", ".txt"), "secret");
        chown(othersFile, "nobody:nogroup");
        Files.setPosixFilePermissions(othersFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("open.txt"), "hello");
        rootFileInTmp = Files.writeString(Path.of("/tmp", "sbx-root-owned-" + ProcessHandle.current().pid()), "root");
        Files.setPosixFilePermissions(rootFileInTmp, PosixFilePermissions.fromString("rw-rw-rw-"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
            OpenSsh.exec(List.of("rm", "-rf", work.toString()), null, null);
            Files.deleteIfExists(othersFile);
            Files.deleteIfExists(rootFileInTmp);
        }
    }

    @Test
    void sftpCreatesFilesAndDirectoriesOwnedByTheUserWithMaskedModes() throws Exception {
        // the client asks for the local file's mode (0666); the server's umask 022 applies, as with sftp-server
        Path local = Files.writeString(dir.resolve("open-mode.txt"), "hello");
        Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rw-rw-rw-"));
        OpenSsh.Result r = fx.ssh.sftp("cd " + work + "\nput " + local + " viasftp.txt\nmkdir viasftp.d\n");
        assertEquals(0, r.exit(), r.stderr());
        assertOwnedByUser(work.resolve("viasftp.txt"), "rw-r--r--");
        assertOwnedByUser(work.resolve("viasftp.d"), "rwxr-xr-x");
        assertEquals("hello", Files.readString(work.resolve("viasftp.txt")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-O"})
    void scpCreatesFilesOwnedByTheUser(String mode) throws Exception {
        Path local = Files.writeString(dir.resolve("scp.txt"), "scp");
        String name = "viascp" + mode + ".txt";
        OpenSsh.Result r = fx.ssh.scp(options(mode), local.toString(), ":" + work.resolve(name));
        assertEquals(0, r.exit(), r.stderr());
        assertOwnedByUser(work.resolve(name), "rw-r--r--");
    }

    @Test
    void sftpCannotReadShadowListRootReadOthersFilesOrDeleteInStickyTmp() throws Exception {
        assertRefused(fx.ssh.sftp("get /etc/shadow " + dir.resolve("x") + "\n"), "Permission denied");
        assertRefused(fx.ssh.sftp("ls /root\n"), "Permission denied");
        assertRefused(fx.ssh.sftp("get " + othersFile + " " + dir.resolve("y") + "\n"), "Permission denied");
        assertRefused(fx.ssh.sftp("rm " + rootFileInTmp + "\n"), "Permission denied");
        assertTrue(Files.exists(rootFileInTmp));
        assertRefused(fx.ssh.sftp("put " + dir.resolve("open.txt") + " /etc/sbx-should-not-exist\n"), "Permission denied");
        assertTrue(Files.notExists(Path.of("/etc/sbx-should-not-exist")));
        assertRefused(fx.ssh.sftp("rename " + rootFileInTmp + " " + work.resolve("stolen") + "\n"), "Permission denied");
    }

    @Test
    void sftpCannotChownToRoot() throws Exception {
        Path mine = work.resolve("chown-me.txt");
        assertEquals(0, fx.ssh.sftp("put " + Files.writeString(dir.resolve("c.txt"), "c") + " " + mine + "\n").exit());
        assertRefused(fx.ssh.sftp("chown 0 " + mine + "\n"), "Permission denied");
        assertOwnedByUser(mine, "rw-r--r--");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-O"})
    void scpCannotReadShadowOrOthersFiles(String mode) throws Exception {
        assertRefused(fx.ssh.scp(options(mode), ":/etc/shadow", dir.resolve("s").toString()), "Permission denied");
        assertRefused(fx.ssh.scp(options(mode), ":" + othersFile, dir.resolve("o").toString()), "Permission denied");
        assertRefused(fx.ssh.scp(options(mode), dir.resolve("open.txt").toString(), ":/etc/sbx-should-not-exist"),
                "Permission denied");
        assertTrue(Files.notExists(Path.of("/etc/sbx-should-not-exist")));
        assertTrue(Files.notExists(dir.resolve("s")));
    }

    @Test
    void theDaemonItselfStaysRoot() throws Exception {
        // the identity switch is per thread: the daemon can still read its own root-only state after SFTP ran
        assertEquals(0, fx.ssh.sftp("ls\n").exit());
        OpenSsh.Result status = OpenSsh.exec(List.of("grep", "-E", "^(Uid|Gid):", "/proc/" + fx.daemon.pid + "/status"), null, null);
        assertTrue(status.out().startsWith("Uid:\t0\t0\t0\t0"), status.out());
        assertEquals(200, fx.daemon.status().status());
    }

    private static List<String> options(String mode) {
        return mode.isEmpty() ? List.of() : List.of(mode);
    }

    private static void assertRefused(OpenSsh.Result r, String message) {
        assertNotEquals(0, r.exit(), r.out());
        assertTrue(r.stderr().contains(message), r.stderr());
    }

    private static void assertOwnedByUser(Path p, String mode) throws Exception {
        UserPrincipal owner = Files.getOwner(p);
        assertEquals("tl-user", owner.getName(), p.toString());
        assertEquals("tl-user", Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class).group().getName());
        assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
    }

    private static void chown(Path p, String owner) throws Exception {
        assertEquals(0, OpenSsh.exec(List.of("chown", owner, p.toString()), null, null).exit());
    }
}
