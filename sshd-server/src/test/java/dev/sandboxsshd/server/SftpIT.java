package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Vector;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.Session;

/** The sftp subsystem with the OpenSSH sftp client (batch mode) and JSch: data, paths, resume, links, renames. */
class SftpIT {
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
        remote = TransferFixture.remoteScratch(fx.ssh, "sftp");
    }

    @AfterAll
    static void stop() throws Exception {
        TransferFixture.cleanup(fx.ssh, remote);
        fx.close();
    }

    @Test
    void putAndGetLargeFileKeepBytesAndOwnership() throws Exception {
        Path back = dir.resolve("big.back");
        OpenSsh.Result r = fx.ssh.sftp("put " + big + " " + remote + "/big.bin\nget " + remote + "/big.bin " + back + "\n");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(bigSha, TransferFixture.remoteSha256(fx.ssh, remote + "/big.bin"));
        assertEquals(bigSha, TransferFixture.sha256(back));
        assertEquals(fx.user + ":" + primaryGroup(), TransferFixture.remoteOwner(fx.ssh, remote + "/big.bin"));
    }

    /**
     * OpenSSH waits for a stopped client as long as it takes; MINA's window wait gives up after 30 s by default.
     * The setting itself is checked at once (SshServiceTest); this is the scenario end to end, which takes its 40 s
     * of wall time: tagged {@link Slow}, so `mvn verify` leaves it out and `.ci/run` runs it (README "Tests").
     */
    @Test
    @Tag(Slow.TAG)
    void downloadWhoseClientIsStoppedFortySecondsCompletes() throws Exception {
        assertEquals(0, fx.ssh.sftp("put " + big + " " + remote + "/stopped.bin\n").exit());
        Path back = dir.resolve("stopped.back");
        List<String> args = fx.ssh.baseArgs("sftp");
        args.addAll(List.of("-o", "LogLevel=ERROR", "-b", "-", fx.user + "@127.0.0.1"));
        Process client = new ProcessBuilder(args).redirectErrorStream(true).start();
        try {
            client.getOutputStream().write(("get " + remote + "/stopped.bin " + back + "\n").getBytes());
            client.getOutputStream().close();
            Await.until("the download to be under way", Duration.ofSeconds(60),
                    () -> Files.exists(back) && Files.size(back) > 16 << 20);
            signal("STOP", client.pid());
            Thread.sleep(40_000); // the scenario itself: a client stopped (Ctrl-Z, a laptop lid) for longer than 30 s
            signal("CONT", client.pid());
            assertTrue(client.waitFor(120, TimeUnit.SECONDS), "the resumed download to finish");
            assertEquals(0, client.exitValue(), new String(client.getInputStream().readAllBytes()));
            assertEquals(bigSha, TransferFixture.sha256(back));
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
    }

    private static void signal(String name, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor());
    }

    @Test
    void sessionStartsInTheHomeAndRelativePathsAreThere() throws Exception {
        String home = TestUser.backend().home().toString();
        String name = remote.substring(home.length() + 1);
        OpenSsh.Result r = fx.ssh.sftp("pwd\nput " + Files.writeString(dir.resolve("rel.txt"), "rel") + " " + name + "/rel.txt\n");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().contains("Remote working directory: " + home + "\n"), r.out());
        assertEquals("rel", fx.ssh.run("cat " + remote + "/rel.txt").out());
    }

    @Test
    void resumeBothWays() throws Exception {
        Path part = dir.resolve("part.bin");
        Files.write(part, java.util.Arrays.copyOf(Files.readAllBytes(big), 10 * 1024 * 1024));
        // reput: the remote has the first 10 MiB; resume the rest
        assertEquals(0, fx.ssh.sftp("put " + part + " " + remote + "/resume.bin\n").exit());
        OpenSsh.Result r = fx.ssh.sftp("reput " + big + " " + remote + "/resume.bin\n");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(bigSha, TransferFixture.remoteSha256(fx.ssh, remote + "/resume.bin"));
        // reget: the local copy has the first 10 MiB
        r = fx.ssh.sftp("reget " + remote + "/resume.bin " + part + "\n");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(bigSha, TransferFixture.sha256(part));
    }

    @Test
    void symlinksChmodAndRenameOverAnExistingFile() throws Exception {
        Path a = Files.writeString(dir.resolve("a.txt"), "A");
        Path b = Files.writeString(dir.resolve("b.txt"), "B");
        OpenSsh.Result r = fx.ssh.sftp(String.join("\n",
                "cd " + remote, "put " + a + " a.txt", "put " + b + " b.txt", "ln -s a.txt link",
                "chmod 600 b.txt", "rename b.txt a.txt", "ls -l", ""));
        assertEquals(0, r.exit(), r.stderr());
        OpenSsh.Result check = fx.ssh.run("cd " + remote + " && cat a.txt && readlink link && stat -c %a a.txt && ls b.txt 2>&1");
        assertEquals("B" + "a.txt\n600\nls: cannot access 'b.txt': No such file or directory\n", check.out());
    }

    @Test
    void directoryOfTenThousandEntriesIsListedCompletely() throws Exception {
        assertEquals(0, fx.ssh.run("mkdir -p " + remote + "/many && cd " + remote + "/many && seq -f 'f%05g' 1 10000 | xargs touch").exit());
        OpenSsh.Result r = fx.ssh.sftp("ls -1 " + remote + "/many\n");
        assertEquals(0, r.exit(), r.stderr());
        long files = r.out().lines().filter(l -> l.contains("/many/f")).count();
        assertEquals(10_000, files);
    }

    @Test
    void jschPutAndGetLargeFile() throws Exception {
        Session session = fx.jsch();
        Path back = dir.resolve("jsch.back");
        try {
            ChannelSftp sftp = (ChannelSftp) session.openChannel("sftp");
            sftp.connect(20_000);
            sftp.put(big.toString(), remote + "/jsch-big.bin");
            sftp.get(remote + "/jsch-big.bin", back.toString());
            sftp.disconnect();
        } finally {
            session.disconnect();
        }
        assertEquals(bigSha, TransferFixture.remoteSha256(fx.ssh, remote + "/jsch-big.bin"));
        assertEquals(bigSha, TransferFixture.sha256(back));
    }

    @Test
    void jschPutGetAndOffsetsBeyondFourGigabytes() throws Exception {
        assertEquals(0, fx.ssh.run("truncate -s 5G " + remote + "/sparse.bin && printf tail >> " + remote + "/sparse.bin").exit());
        Session session = fx.jsch();
        try {
            ChannelSftp sftp = (ChannelSftp) session.openChannel("sftp");
            sftp.connect(20_000);
            assertEquals(TestUser.backend().home().toString(), sftp.pwd());
            sftp.put(new ByteArrayInputStream("jsch".getBytes()), remote + "/jsch.txt");
            try (InputStream in = sftp.get(remote + "/jsch.txt")) {
                assertEquals("jsch", new String(in.readAllBytes()));
            }
            long fiveGiB = 5L << 30;
            try (InputStream in = sftp.get(remote + "/sparse.bin", null, fiveGiB)) {
                assertEquals("tail", new String(in.readAllBytes()));
            }
            sftp.put(new ByteArrayInputStream("more".getBytes()), remote + "/sparse.bin", ChannelSftp.APPEND);
            assertEquals(fiveGiB + 8, sftp.stat(remote + "/sparse.bin").getSize());
            @SuppressWarnings("unchecked")
            Vector<ChannelSftp.LsEntry> entries = sftp.ls(remote);
            assertTrue(entries.stream().anyMatch(e -> e.getFilename().equals("jsch.txt")));
            sftp.disconnect();
        } finally {
            session.disconnect();
        }
        assertEquals("tailmore", fx.ssh.run("tail -c 8 " + remote + "/sparse.bin").out());
    }

    @Test
    void opensshExtensionsTheClientUses() throws Exception {
        Path e = Files.writeString(dir.resolve("ext.txt"), "ext");
        OpenSsh.Result r = fx.ssh.sftp(String.join("\n",
                "cd " + remote,
                "put -f " + e + " ext.txt",          // fsync@openssh.com
                "ln ext.txt hard.txt",               // hardlink@openssh.com
                "cp ext.txt copy.txt",               // copy-data
                "df -h",                             // statvfs@openssh.com
                "ls -l ext.txt",                     // users-groups-by-id@openssh.com (names for a stat)
                ""));
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().contains("%Capacity"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.endsWith("ext.txt") && l.contains(" " + fx.user + " ")), r.out() + r.stderr());
        assertEquals("2 ext\next\n", fx.ssh.run("cd " + remote + " && stat -c '%h ' ext.txt | tr -d '\\n'; cat hard.txt; echo; cat copy.txt; echo").out());
        // statvfs is checked as the user too (the client prints nothing, batch mode stops)
        assertEquals(1, fx.ssh.sftp("df /root/sub\n").exit());
    }

    @Test
    void errorsReadAsOpenSshPrintsThem() throws Exception {
        // the client's own wording for a stat that came back SSH_FX_NO_SUCH_FILE
        OpenSsh.Result r = fx.ssh.sftp("get " + remote + "/does-not-exist " + dir.resolve("x") + "\n");
        assertTrue(r.stderr().contains("/does-not-exist\" not found"), r.stderr());
        r = fx.ssh.sftp("rm " + remote + "/does-not-exist\n");
        assertTrue(r.stderr().contains("remote delete " + remote + "/does-not-exist: No such file or directory"), r.stderr());
        r = fx.ssh.sftp("mkdir " + remote + "/no/such/parent\n");
        assertTrue(r.stderr().contains("No such file or directory"), r.stderr());
        assertEquals(0, fx.ssh.sftp("ls " + remote + "\n").exit(), "session still fine");
    }

    private static String primaryGroup() throws Exception {
        return OpenSsh.exec(List.of("id", "-gn", fx.user), null, null).out().strip();
    }
}
