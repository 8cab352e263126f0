package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference fixture works: the real sshd logs the locked tl-user in by key, for commands and for sftp. */
class OpenSshServerIT {
    @TempDir
    static Path dir;
    static OpenSshServer sshd;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        sshd = OpenSshServer.start(dir.resolve("openssh"), ClientKey.ed25519(dir.resolve("client"), "reference"));
    }

    @AfterAll
    static void stop() {
        if (sshd != null) {
            sshd.close();
            assertFalse(ProcessHandle.of(sshd.pid).map(ProcessHandle::isAlive).orElse(false), "sshd still running");
        }
    }

    @Test
    void commandRunsAsTheBackendUser() throws Exception {
        OpenSsh.Result r = sshd.ssh.run("id", "-un");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("tl-user", r.out().strip());
    }

    @Test
    void sftpListsTheHomeDirectory() throws Exception {
        OpenSsh.Result r = sshd.ssh.sftp("pwd\nls -la\n");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().contains("Remote working directory: /home/tl-user"), r.out());
        assertTrue(r.out().contains(".profile"), r.out());
    }
}
