package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --set-hostname} names the sandbox and maps the name in {@code /etc/hosts}; tried only in UTS and mount
 * namespaces of the test's own (unshare), with a file of the test bind-mounted over {@code /etc/hosts}, so the
 * machine's hostname and hosts file are never touched.
 */
class HostnameIT {
    @TempDir
    Path dir;

    @Test
    void setHostnameNamesTheSandboxInsideItsNamespaceOnly() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT + " (unshare --uts needs CAP_SYS_ADMIN)");
        String machine = hostname();
        Path state = dir.resolve("state");
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1\tlocalhost\n");
        try (DaemonProcess daemon = DaemonProcess.startWith(withHostsBoundTo(hosts, false), state, flags(state))) {
            assertEquals(200, daemon.enable(key.publicLine(), "tl-user").status());
            OpenSsh.Result r = new OpenSsh(daemon.sshPort(), "tl-user", key).run("hostname");
            assertEquals("tl-sbx\n", r.out(), r.stderr());
        }
        assertEquals(machine, hostname());
    }

    /**
     * Docker bind-mounts {@code /etc/hosts} (a rename over it fails with EBUSY): the daemon rewrites it in place,
     * adding its one line, and the name resolves for the user. The bind mount is in the test's own mount namespace.
     */
    @Test
    void setHostnameMapsTheNameInABindMountedHostsFile() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT + " (unshare --uts --mount needs CAP_SYS_ADMIN)");
        byte[] machineHosts = Files.readAllBytes(Path.of("/etc/hosts"));
        Path hosts = dir.resolve("hosts");
        String before = "127.0.0.1\tlocalhost\n# a comment the daemon keeps\n::1\tlocalhost ip6-localhost\n";
        Files.writeString(hosts, before);
        Files.setPosixFilePermissions(hosts, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path state = dir.resolve("state");
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        try (DaemonProcess daemon = DaemonProcess.startWith(withHostsBoundTo(hosts, false), state, flags(state))) {
            assertEquals(before + "127.0.1.1\ttl-sbx\t# sandbox-sshd --set-hostname\n", Files.readString(hosts));
            assertTrue(daemon.stdoutLines().stream().anyMatch(l -> l.contains("maps tl-sbx to 127.0.1.1: rewritten in place")),
                    daemon.stdoutLines().toString());
            assertEquals(200, daemon.enable(key.publicLine(), "tl-user").status());
            OpenSsh.Result r = new OpenSsh(daemon.sshPort(), "tl-user", key).run("getent hosts tl-sbx; hostname -f");
            assertEquals("127.0.1.1       tl-sbx\ntl-sbx\n", r.out(), r.stderr());
        }
        assertArrayEquals(machineHosts, Files.readAllBytes(Path.of("/etc/hosts")));
    }

    /** Some runtimes mount {@code /etc/hosts} read-only: left as it is, with one log line, and the daemon runs. */
    @Test
    void aReadOnlyHostsFileIsLeftAloneWithOneLogLine() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT + " (unshare --uts --mount needs CAP_SYS_ADMIN)");
        Path hosts = dir.resolve("hosts");
        String before = "127.0.0.1\tlocalhost\n";
        Files.writeString(hosts, before);
        Path state = dir.resolve("state");
        try (DaemonProcess daemon = DaemonProcess.startWith(withHostsBoundTo(hosts, true), state, flags(state))) {
            List<String> lines = daemon.stdoutLines().stream().filter(l -> l.contains("/etc/hosts")).toList();
            assertEquals(1, lines.size(), daemon.stdoutLines().toString());
            assertTrue(lines.get(0).contains("/etc/hosts left as it is, tl-sbx unmapped: Read-only file system"),
                    lines.get(0));
            assertEquals(200, daemon.status().status());
        }
        assertEquals(before, Files.readString(hosts));
    }

    private static List<String> flags(Path state) {
        return List.of("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0", "--state-dir", state.toString(),
                "--set-hostname");
    }

    /** unshare with new UTS and mount namespaces in which {@code hosts} is bind-mounted over /etc/hosts. */
    private static List<String> withHostsBoundTo(Path hosts, boolean readOnly) {
        String mount = "mount --bind \"$0\" /etc/hosts" + (readOnly ? " && mount -o remount,bind,ro /etc/hosts" : "");
        return List.of("unshare", "--uts", "--mount", "--propagation", "private", "--fork", "sh", "-c",
                mount + " && exec \"$@\"", hosts.toString());
    }

    @Test
    void withoutTheFlagTheHostnameIsLeftAlone() throws Exception {
        String machine = hostname();
        try (SshFixture fx = SshFixture.start(dir, "--hostname", "other-name")) {
            assertEquals(machine + "\n", fx.ssh.run("hostname").out());
        }
    }

    private static String hostname() throws Exception {
        return OpenSsh.exec(List.of("hostname"), null, null).out().strip();
    }

}
