package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
 * rclone's sftp backend (Go's x/crypto and pkg/sftp, hashes by running md5sum over exec) syncing a source tree up
 * and back and checking it, against our daemon and OpenSSH's sshd. The remote is configured the way scripts do it,
 * by environment variables, with the user's key and a known_hosts file that ssh-keyscan wrote.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RcloneIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;
    private static final Path RCLONE = Path.of("/usr/bin/rclone");

    @TempDir
    static Path dir;
    static BothServers servers;
    static Path tree;
    static final List<String[]> remotes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(RCLONE), "needs rclone: apt-get install rclone (.ci/run does)");
        servers = BothServers.start(dir);
        tree = RealClients.sourceTree(dir.resolve("tree"), 60);
        Files.writeString(dir.resolve("rclone.conf"), ""); // the remote is all in the environment
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

    /** rclone with the remote {@code srv:} as this server, a config file and home of the test's own. */
    private static OpenSsh.Result rclone(String server, String... args) throws Exception {
        OpenSsh ssh = servers.client(server);
        Path knownHosts = dir.resolve(server + "-known_hosts");
        if (!Files.exists(knownHosts)) {
            OpenSsh.Result scan = OpenSsh.exec(List.of("ssh-keyscan", "-t", "ed25519", "-p", Integer.toString(ssh.port),
                    "127.0.0.1"), null, null);
            assertTrue(scan.out().contains("ssh-ed25519"), scan.stderr());
            Files.writeString(knownHosts, scan.out());
        }
        List<String> argv = new ArrayList<>(List.of("env", "HOME=" + dir, "RCLONE_CONFIG_SRV_TYPE=sftp",
                "RCLONE_CONFIG_SRV_HOST=127.0.0.1", "RCLONE_CONFIG_SRV_PORT=" + ssh.port,
                "RCLONE_CONFIG_SRV_USER=" + ssh.user, "RCLONE_CONFIG_SRV_KEY_FILE=" + ssh.key.privateKey(),
                "RCLONE_CONFIG_SRV_KNOWN_HOSTS_FILE=" + knownHosts,
                RCLONE.toString(), "--config", dir.resolve("rclone.conf").toString()));
        argv.addAll(List.of(args));
        return OpenSsh.exec(argv, null, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void syncUpAndBackAndCheck(String server) throws Exception {
        OpenSsh ssh = servers.client(server);
        String remote = TransferFixture.remoteScratch(ssh, "rclone-" + server);
        remotes.add(new String[] {server, remote});
        String up = "srv:" + remote + "/tree";

        OpenSsh.Result r = rclone(server, "sync", "--create-empty-src-dirs", tree.toString(), up);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(RealClients.localManifest(tree), RealClients.remoteManifest(ssh, remote + "/tree"));
        String file = "src/main/java/dev/example/m1/p1/File1.java";
        assertEquals(Files.getLastModifiedTime(tree.resolve(file)).toMillis() / 1000 + "\n",
                ssh.run("stat -c %Y " + remote + "/tree/" + file).out(), "rclone sets the modification time");

        r = rclone(server, "check", tree.toString(), up);
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("0 differences found"), r.stderr());

        // changed on the server: check sees it by hash (same size), sync back takes it
        assertEquals(0, ssh.run("cd " + remote + "/tree && sed -i 's/file 0/FILE 0/' docs/part0/File0.md"
                + " && rm docs/part5/File5.md && echo new > docs/new.md").exit());
        r = rclone(server, "check", tree.toString(), up);
        assertEquals(1, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("3 differences found"), r.stderr());

        Path back = Files.createDirectories(dir.resolve(server + "-back"));
        // the server's rm left docs/part5 empty: rclone copies empty directories only when asked
        r = rclone(server, "sync", "--create-empty-src-dirs", up, back.toString());
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(RealClients.remoteManifest(ssh, remote + "/tree"), RealClients.localManifest(back));
        r = rclone(server, "check", back.toString(), up);
        assertEquals(0, r.exit(), r.stderr());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theDaemonLogsNoWarningButRefusals() throws Exception {
        assumeTrue(servers != null);
        RealClients.assertNoWarningsButRefusals(servers.ours.daemon);
    }
}
