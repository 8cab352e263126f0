package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mode an upload without {@code -p} gives a file, in the legacy protocol ({@code -O}) and the SFTP one, on our
 * daemon and OpenSSH's sshd: a new file gets the source's mode under the server's umask, an existing file keeps its
 * own (OpenSSH's scp sink, and sftp-server's open with the client's mode).
 */
class ScpModeIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;

    @TempDir
    static Path dir;
    static BothServers servers;
    static final List<String[]> remotes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        servers = BothServers.start(dir);
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

    @ParameterizedTest(name = "{0} scp {1}")
    @CsvSource({OURS + ",-O", OPENSSH + ",-O", OURS + ",-s", OPENSSH + ",-s"})
    void uploadWithoutPreserveGivesTheSourceModeUnderTheUmask(String server, String protocol) throws Exception {
        OpenSsh ssh = servers.client(server);
        String remote = TransferFixture.remoteScratch(ssh, "scpmode-" + server + protocol);
        remotes.add(new String[] {server, remote});
        Path local = Files.createDirectories(dir.resolve(server + protocol));
        List<String> names = List.of("x755", "r640", "g775", "kept");
        for (String name : names) {
            Path f = Files.writeString(local.resolve(name), name);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(switch (name) {
                case "x755", "kept" -> "rwxr-xr-x";
                case "r640" -> "rw-r-----";
                default -> "rwxrwxr-x";
            }));
        }
        assertEquals("0022\n", ssh.run("printf old > " + remote + "/kept && chmod 600 " + remote + "/kept && umask").out(),
                "the sessions' umask, which the expected modes assume");
        List<String> args = new ArrayList<>(names.stream().map(n -> local.resolve(n).toString()).toList());
        args.add(":" + remote + "/");
        OpenSsh.Result r = ssh.scp(List.of(protocol), args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("755 x755\n640 r640\n755 g775\n600 kept\n",
                ssh.run("cd " + remote + " && stat -c '%a %n' " + String.join(" ", names)).out());
    }
}
