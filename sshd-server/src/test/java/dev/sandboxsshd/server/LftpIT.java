package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * lftp's {@code mirror -R} and {@code mirror} of a source tree over {@code sftp://}, against our daemon and OpenSSH's
 * sshd. lftp speaks SFTP itself over an ssh it starts ({@code sftp:connect-program}: the test's ssh with the user's
 * key and its own host-key options) and sets modes and times as it mirrors.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LftpIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;
    private static final Path LFTP = Path.of("/usr/bin/lftp");

    @TempDir
    static Path dir;
    static BothServers servers;
    static Path tree;
    static final List<String[]> remotes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(LFTP), "needs lftp: apt-get install lftp (.ci/run does)");
        servers = BothServers.start(dir);
        tree = RealClients.sourceTree(dir.resolve("tree"), 60);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (String[] r : remotes) {
                TransferFixture.cleanup(servers.client(r[0]), r[1]);
            }
        } finally {
            if (servers != null) {
                servers.close();
            }
        }
    }

    /** lftp -c with these commands after connecting to the server, as the user, with a home of the test's own. */
    private static OpenSsh.Result lftp(String server, String commands) throws Exception {
        OpenSsh ssh = servers.client(server);
        String script = "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 30;"
                + " set sftp:connect-program \"" + ssh.rsh() + "\";"
                + " open -u " + ssh.user + ", -p " + ssh.port + " sftp://127.0.0.1; " + commands;
        return OpenSsh.exec(List.of("env", "HOME=" + dir, LFTP.toString(), "-c", script), null, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void mirrorUpAndBack(String server) throws Exception {
        OpenSsh ssh = servers.client(server);
        String remote = TransferFixture.remoteScratch(ssh, "lftp-" + server);
        remotes.add(new String[] {server, remote});

        OpenSsh.Result r = lftp(server, "mirror -R " + tree + " " + remote + "/tree");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(RealClients.localManifest(tree), RealClients.remoteManifest(ssh, remote + "/tree"));
        String exe = "docs/part0/File0.md";
        String file = "src/main/java/dev/example/m1/p1/File1.java";
        assertEquals("755 644 " + Files.getLastModifiedTime(tree.resolve(file)).toMillis() / 1000 + "\n",
                ssh.run("cd " + remote + "/tree && echo $(stat -c %a " + exe + " " + file + " && stat -c %Y " + file + ")").out());

        // changed on the server, mirrored back into a fresh directory, and once more into it (nothing to do)
        assertEquals(0, ssh.run("cd " + remote + "/tree && echo changed >> docs/part0/File0.md"
                + " && rm docs/part5/File5.md && mkdir -p extra/deeper && echo new > extra/deeper/new.md").exit());
        Path back = dir.resolve(server + "-back");
        r = lftp(server, "mirror " + remote + "/tree " + back + "; mirror --delete " + remote + "/tree " + back);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(RealClients.remoteManifest(ssh, remote + "/tree"), RealClients.localManifest(back));
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(back.resolve(exe))));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theDaemonLogsNoWarningButRefusals() throws Exception {
        assumeTrue(servers != null);
        RealClients.assertNoWarningsButRefusals(servers.ours.daemon);
    }
}
