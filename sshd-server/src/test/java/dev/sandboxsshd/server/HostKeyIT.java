package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The host key the proxy pins: what enable reports is what ssh-keyscan sees, and it survives restarts. */
class HostKeyIT {
    @TempDir
    Path dir;

    @Test
    void fingerprintIsWhatSshKeyscanSees() throws Exception {
        try (SshFixture fx = SshFixture.start(dir)) {
            String reported = fx.daemon.status().body().get("host_key_fingerprint").asText();
            OpenSsh.Result scan = OpenSsh.exec(List.of("ssh-keyscan", "-t", "ed25519", "-p", Integer.toString(fx.ssh.port),
                    "127.0.0.1"), null, null);
            assertEquals(0, scan.exit(), scan.stderr());
            OpenSsh.Result keygen = OpenSsh.exec(List.of("ssh-keygen", "-lf", "-"), scan.stdout(), null);
            assertEquals(0, keygen.exit(), keygen.stderr());
            assertEquals(reported, keygen.out().split(" ")[1], keygen.out());
            assertTrue(keygen.out().endsWith("(ED25519)\n"), keygen.out());
        }
    }

    @Test
    void secretsAreStoredPrivately() throws Exception {
        try (SshFixture fx = SshFixture.start(dir)) {
            Path state = fx.daemon.stateDir;
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("ssh_host_ed25519_key"))));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("api-token"))));
            assertTrue(fx.daemon.token().matches("[0-9a-f]{64}"));
            // the stored key is an ordinary OpenSSH private key
            OpenSsh.Result pub = OpenSsh.exec(List.of("ssh-keygen", "-y", "-f", state.resolve("ssh_host_ed25519_key").toString()), null, null);
            assertEquals(0, pub.exit(), pub.stderr());
            assertTrue(pub.out().startsWith("ssh-ed25519 "), pub.out());
        }
    }

    @Test
    void restartKeepsFingerprintAndEnabledState() throws Exception {
        String fingerprint;
        long firstPid;
        ClientKey key;
        try (SshFixture fx = SshFixture.start(dir)) {
            key = fx.key;
            fingerprint = fx.daemon.status().body().get("host_key_fingerprint").asText();
            firstPid = fx.daemon.pid;
        }
        try (DaemonProcess again = SshFixture.restartedEnabled(dir, key, fingerprint)) {
            JsonNode status = again.status().body();
            assertEquals(again.pid, status.get("pid").asLong());
            assertNotEquals(firstPid, again.pid);
            assertEquals(TestUser.backend().name(), status.get("backend_user").asText());
        }
    }
}
