package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** scp in its default (SFTP) mode and the legacy protocol ({@code -O}), both served in the JVM. */
class ScpIT {
    @TempDir
    static Path dir;
    static SshFixture fx;
    static Path big;
    static String bigSha;
    static String remote;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        big = TransferFixture.big().file();
        bigSha = TransferFixture.big().sha256();
        remote = TransferFixture.remoteScratch(fx.ssh, "scp");
    }

    @AfterAll
    static void stop() throws Exception {
        TransferFixture.cleanup(fx.ssh, remote);
        fx.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-O"})
    void largeFileUpAndDown(String mode) throws Exception {
        String target = remote + "/big" + mode + ".bin";
        OpenSsh.Result up = fx.ssh.scp(options(mode), big.toString(), ":" + target);
        assertEquals(0, up.exit(), up.stderr());
        assertEquals(bigSha, TransferFixture.remoteSha256(fx.ssh, target));
        assertTrue(TransferFixture.remoteOwner(fx.ssh, target).startsWith(fx.user + ":"));
        Path back = dir.resolve("back" + mode + ".bin");
        OpenSsh.Result down = fx.ssh.scp(options(mode), ":" + target, back.toString());
        assertEquals(0, down.exit(), down.stderr());
        assertEquals(bigSha, TransferFixture.sha256(back));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-O"})
    void recursiveWithPreservedModesAndTimes(String mode) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree" + mode).resolve("sub"));
        Path file = Files.writeString(tree.resolve("inner.txt"), "inner");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_577_934_245_000L));
        List<String> opts = new java.util.ArrayList<>(options(mode));
        opts.addAll(List.of("-r", "-p"));
        OpenSsh.Result up = fx.ssh.scp(opts, tree.getParent().toString(), ":" + remote + "/");
        assertEquals(0, up.exit(), up.stderr());
        String copied = remote + "/tree" + mode + "/sub/inner.txt";
        assertEquals("inner 640 1577934245\n", fx.ssh.run("printf '%s ' $(cat " + copied + "); stat -c '%a %Y' " + copied).out());
        Path back = dir.resolve("back-tree" + mode);
        OpenSsh.Result down = fx.ssh.scp(opts, ":" + remote + "/tree" + mode, back.toString());
        assertEquals(0, down.exit(), down.stderr());
        assertEquals("inner", Files.readString(back.resolve("sub/inner.txt")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-O"})
    void tildePathsAreTheHome(String mode) throws Exception {
        String name = remote.substring(remote.lastIndexOf('/') + 1);
        Path small = Files.writeString(dir.resolve("tilde.txt"), "tilde");
        OpenSsh.Result up = fx.ssh.scp(options(mode), small.toString(), ":~/" + name + "/tilde" + mode + ".txt");
        assertEquals(0, up.exit(), up.stderr());
        Path back = dir.resolve("tilde-back" + mode + ".txt");
        OpenSsh.Result down = fx.ssh.scp(options(mode), ":~" + fx.user + "/" + name + "/tilde" + mode + ".txt", back.toString());
        assertEquals(0, down.exit(), down.stderr());
        assertEquals("tilde", Files.readString(back));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-O"})
    void missingSourceIsReportedLikeOpenSsh(String mode) throws Exception {
        OpenSsh.Result r = fx.ssh.scp(options(mode), ":" + remote + "/missing", dir.resolve("m").toString());
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains(remote + "/missing") && r.stderr().contains("No such file or directory"), r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"up", "down"})
    void legacyCopyOfAFileOntoItselfKeepsIt(String direction) throws Exception {
        // OpenSSH's regress/scp.sh "copy local file to remote file in place" (and back): one file, both ends
        byte[] data = new byte[4 << 20];
        new java.util.Random(7).nextBytes(data);
        String sha = TransferFixture.sha256(Files.write(dir.resolve("inplace-" + direction + ".orig"), data));
        String path = remote + "/inplace-" + direction + ".bin";
        Files.write(Path.of(path), data);
        Files.setAttribute(Path.of(path), "unix:uid", TestUser.backend().uid());
        Files.setAttribute(Path.of(path), "unix:gid", TestUser.backend().gid());
        OpenSsh.Result r = direction.equals("up")
                ? fx.ssh.scp(List.of("-O"), path, ":" + path)
                : fx.ssh.scp(List.of("-O"), ":" + path, path);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(sha, TransferFixture.remoteSha256(fx.ssh, path));
    }

    @Test
    void legacyCopyOntoALongerFileLeavesExactlyTheNewBytes() throws Exception {
        String target = remote + "/shorter.txt";
        assertEquals(0, fx.ssh.run("head -c 100000 /dev/zero > " + target).exit());
        Path small = Files.writeString(dir.resolve("shorter.txt"), "short");
        OpenSsh.Result r = fx.ssh.scp(List.of("-O"), small.toString(), ":" + target);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("short", fx.ssh.run("cat " + target).out());
    }

    private static List<String> options(String mode) {
        return mode.isEmpty() ? List.of() : List.of(mode);
    }
}
