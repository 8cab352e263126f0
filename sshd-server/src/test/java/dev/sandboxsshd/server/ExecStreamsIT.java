package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ssh host cmd}: separate stdout and stderr, stdin to EOF, and large data both ways without loss. */
class ExecStreamsIT {
    static final int BIG = 64 * 1024 * 1024;
    @TempDir
    static Path dir;
    static SshFixture fx;
    static Path big;
    static String bigSha;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        byte[] data = new byte[BIG];
        new Random(42).nextBytes(data);
        big = dir.resolve("big.bin");
        Files.write(big, data);
        bigSha = sha256(data);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void stdoutAndStderrStaySeparate() throws Exception {
        OpenSsh.Result r = fx.ssh.run("echo out1; echo err1 >&2; echo out2; echo err2 >&2");
        assertEquals(0, r.exit());
        assertEquals("out1\nout2\n", r.out());
        assertEquals("err1\nerr2\n", r.stderr());
    }

    @Test
    void sixtyFourMegabytesThroughStdinAndBack() throws Exception {
        OpenSsh.Result r = OpenSsh.exec(fx.ssh.sshArgs(List.of(), "cat"), null, big);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(BIG, r.stdout().length);
        assertEquals(bigSha, sha256(r.stdout()));
    }

    @Test
    void stdinEofCompletesAFileWrittenAsTheUser() throws Exception {
        String name = "exec-upload-" + ProcessHandle.current().pid() + ".bin";
        try {
            OpenSsh.Result up = OpenSsh.exec(fx.ssh.sshArgs(List.of(), "cat > " + name), null, big);
            assertEquals(0, up.exit(), up.stderr());
            OpenSsh.Result check = fx.ssh.run("sha256sum " + name + " | cut -d' ' -f1; stat -c '%U %s' " + name);
            assertEquals(bigSha + "\n" + fx.user + " " + BIG + "\n", check.out(), check.stderr());
        } finally {
            fx.ssh.run("rm -f " + name);
        }
    }

    @Test
    void largeOutputOnBothStreamsAtOnceIsComplete() throws Exception {
        String name = "exec-download-" + ProcessHandle.current().pid() + ".bin";
        try {
            assertEquals(0, OpenSsh.exec(fx.ssh.sshArgs(List.of(), "cat > " + name), null, big).exit());
            OpenSsh.Result r = fx.ssh.run("cat " + name + " >&2 & cat " + name + "; wait");
            assertEquals(0, r.exit());
            assertEquals(bigSha, sha256(r.stdout()));
            assertEquals(bigSha, sha256(r.stderrBytes()));
        } finally {
            fx.ssh.run("rm -f " + name);
        }
    }

    @Test
    void endedSessionsGiveTheirDescriptorsBackAtOnce() throws Exception {
        assertEquals(0, fx.ssh.run("true").exit());
        long before = fx.daemon.openFds();
        for (int i = 0; i < 30; i++) {
            assertEquals(0, fx.ssh.run("echo x; echo y >&2").exit());
        }
        // no collection is forced: the pipes of ended sessions must be closed by the daemon, not by a GC
        Await.until("the sessions' descriptors to be closed", java.time.Duration.ofSeconds(10),
                () -> fx.daemon.openFds() <= before + 4);
    }

    @Test
    void outputAfterStdinClosedIsStillDelivered() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of(), "line one\nline two\n".getBytes(), "cat; echo after-eof");
        assertEquals("line one\nline two\nafter-eof\n", r.out());
        assertArrayEquals(new byte[0], r.stderrBytes());
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
