package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rsync over exec (the machine's rsync binary as the user), both directions, with the options people use. */
class RsyncIT {
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
        remote = TransferFixture.remoteScratch(fx.ssh, "rsync");
    }

    @AfterAll
    static void stop() throws Exception {
        TransferFixture.cleanup(fx.ssh, remote);
        fx.close();
    }

    @Test
    void largeFileBothWays() throws Exception {
        assertEquals(0, rsync("-a", big.toString(), target("big.bin")).exit());
        assertEquals(bigSha, TransferFixture.remoteSha256(fx.ssh, remote + "/big.bin"));
        Path back = dir.resolve("big.back");
        assertEquals(0, rsync("-a", target("big.bin"), back.toString()).exit());
        assertEquals(bigSha, TransferFixture.sha256(back));
    }

    @Test
    void archiveModePreservesModesAndTimesAndDeleteRemovesExtras() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        Path f = Files.writeString(src.resolve("f.txt"), "f");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx--x---"));
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_000L));
        assertEquals(0, fx.ssh.run("mkdir -p " + remote + "/tree && touch " + remote + "/tree/extra").exit());
        OpenSsh.Result r = rsync("-a", "--delete", dir.resolve("src") + "/", target("tree/"));
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("710 1600000000 " + fx.user + "\n", fx.ssh.run("stat -c '%a %Y %U' " + remote + "/tree/sub/f.txt").out());
        assertEquals("no\n", fx.ssh.run("test -e " + remote + "/tree/extra && echo yes || echo no").out());

        Path pulled = dir.resolve("pulled");
        assertEquals(0, rsync("-a", "--delete", target("tree/"), pulled + "/").exit());
        Path back = pulled.resolve("sub/f.txt");
        assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(back)));
        assertEquals(1_600_000_000_000L, Files.getLastModifiedTime(back).toMillis());
    }

    @Test
    void partialTransferIsResumed() throws Exception {
        // the remote holds the first 32 MiB, as an interrupted --partial transfer would leave it
        Path head = dir.resolve("head.bin");
        try (var in = Files.newInputStream(big)) {
            Files.write(head, in.readNBytes(32 << 20));
        }
        assertEquals(0, rsync("-a", head.toString(), target("resumed.bin")).exit());
        OpenSsh.Result r = rsync("-a", "--partial", "--append-verify", "--stats", big.toString(), target("resumed.bin"));
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(bigSha, TransferFixture.remoteSha256(fx.ssh, remote + "/resumed.bin"));
        assertFalse(r.out().contains("Literal data: 268,435,456"), "resumed, not sent again: " + r.out());
    }

    private String target(String path) {
        return fx.user + "@127.0.0.1:" + remote + "/" + path;
    }

    private OpenSsh.Result rsync(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("rsync", "-e", fx.ssh.rsh()));
        argv.addAll(List.of(args));
        return OpenSsh.exec(argv, null, null);
    }
}
