package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --set-hostname} names the sandbox; tried only in a UTS namespace of the test's own (unshare), so the
 * machine's hostname is never touched.
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
        try (DaemonProcess daemon = DaemonProcess.startWith(List.of("unshare", "--uts", "--fork"), state,
                List.of("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0", "--state-dir", state.toString(),
                        "--set-hostname"))) {
            assertEquals(200, daemon.enable(key.publicLine(), "tl-user").status());
            OpenSsh.Result r = new OpenSsh(daemon.sshPort(), "tl-user", key).run("hostname");
            assertEquals("tl-sbx\n", r.out(), r.stderr());
        }
        assertEquals(machine, hostname());
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
