package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;

/** Only the enabled key, only as the backend user; nothing else gets in, and each refusal is logged once. */
class AuthenticationIT {
    @TempDir
    static Path dir;
    static SshFixture fx;
    static ClientKey stranger;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        stranger = ClientKey.ed25519(dir.resolve("client"), "stranger");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void enabledKeyLogsInAsTheBackendUser() throws Exception {
        OpenSsh.Result r = fx.ssh.run("id -un");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(fx.user + "\n", r.out());
    }

    @Test
    void anotherKeyIsRefusedAndLogged() throws Exception {
        OpenSsh.Result r = new OpenSsh(fx.ssh.port, fx.user, stranger).run("true");
        assertEquals(255, r.exit());
        assertTrue(r.stderr().contains("Permission denied (publickey)"), r.stderr());
        String fingerprint = OpenSsh.exec(List.of("ssh-keygen", "-lf", stranger.privateKey() + ".pub"), null, null).out().split(" ")[1];
        String line = fx.daemon.awaitLogLine("refused publickey auth", fingerprint);
        assertTrue(line.contains("remote=127.0.0.1:"), line);
        assertTrue(line.contains("user=" + fx.user), line);
        assertTrue(line.contains("reason=key is not the enabled key"), line);
    }

    @Test
    void enabledKeyForAnotherUserIsRefused() throws Exception {
        for (String user : new String[] {"root", "nobody", "no-such-user"}) {
            if (user.equals(fx.user)) {
                continue;
            }
            OpenSsh.Result r = new OpenSsh(fx.ssh.port, user, fx.key).run("true");
            assertEquals(255, r.exit(), user);
            assertTrue(r.stderr().contains("Permission denied (publickey)"), r.stderr());
            fx.daemon.awaitLogLine("refused publickey auth", "user=" + user + " ", "reason=user is not the backend user");
        }
    }

    /** ECDSA keys and certificates never reach our authenticator: MINA refuses them first. Each gets our line. */
    @Test
    void keysOfATypeNeverAcceptedGetTheSameRefusalLine() throws Exception {
        ClientKey ecdsa = ClientKey.generate(dir.resolve("ecdsa"), "ecdsa", "ecdsa", 256);
        OpenSsh.Result r = new OpenSsh(fx.ssh.port, fx.user, ecdsa).run("true");
        assertEquals(255, r.exit(), r.stderr());
        String line = fx.daemon.awaitLogLine("refused publickey auth", "key=ecdsa-sha2-nistp256 " + fingerprint(ecdsa));
        assertTrue(line.contains("user=" + fx.user + " "), line);
        assertTrue(line.contains("reason=key type ecdsa-sha2-nistp256 is not accepted"), line);

        // a certificate of the enabled key (OpenSSH's client offers one only to servers that list its algorithm)
        Path certified = dir.resolve("certified");
        java.nio.file.Files.createDirectories(certified);
        Path key = certified.resolve("id");
        java.nio.file.Files.copy(fx.key.privateKey(), key);
        java.nio.file.Files.writeString(certified.resolve("id.pub"), fx.key.publicLine() + "\n");
        ClientKey ca = ClientKey.ed25519(dir.resolve("ca"), "ca");
        OpenSsh.Result signed = OpenSsh.exec(List.of("ssh-keygen", "-q", "-s", ca.privateKey().toString(), "-I", "test",
                "-n", fx.user, key + ".pub"), null, null);
        assertEquals(0, signed.exit(), signed.stderr());
        org.apache.sshd.client.SshClient client = org.apache.sshd.client.SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (org.apache.sshd.client.session.ClientSession session = client.connect(fx.user, "127.0.0.1", fx.ssh.port)
                .verify(java.time.Duration.ofSeconds(20)).getSession()) {
            java.security.KeyPair pair = new org.apache.sshd.common.keyprovider.FileKeyPairProvider(key)
                    .loadKeys(session).iterator().next();
            java.security.PublicKey cert = org.apache.sshd.common.config.keys.PublicKeyEntry.parsePublicKeyEntry(
                    java.nio.file.Files.readString(certified.resolve("id-cert.pub")).strip()).resolvePublicKey(session,
                    java.util.Map.of(), org.apache.sshd.common.config.keys.PublicKeyEntryResolver.FAILING);
            session.addPublicKeyIdentity(new java.security.KeyPair(cert, pair.getPrivate()));
            assertThrows(Exception.class, () -> session.auth().verify(java.time.Duration.ofSeconds(20)));
        } finally {
            client.stop();
        }
        line = fx.daemon.awaitLogLine("refused publickey auth", "key=ssh-ed25519-cert-v01@openssh.com ");
        assertTrue(line.contains("user=" + fx.user + " "), line);
        assertTrue(line.contains("reason=key type ssh-ed25519-cert-v01@openssh.com is not accepted"), line);
    }

    private static String fingerprint(ClientKey key) throws Exception {
        return OpenSsh.exec(List.of("ssh-keygen", "-lf", key.privateKey() + ".pub"), null, null).out().split(" ")[1];
    }

    @Test
    void passwordAndKeyboardInteractiveAreNotOffered() throws Exception {
        OpenSsh.Result r = new OpenSsh(fx.ssh.port, fx.user, null).run(List.of("-o", "PubkeyAuthentication=no",
                "-o", "PreferredAuthentications=password,keyboard-interactive"), null, "true");
        assertEquals(255, r.exit());
        assertTrue(r.stderr().contains("Permission denied (publickey)"), r.stderr());

        JSch jsch = new JSch();
        Session session = jsch.getSession(fx.user, "127.0.0.1", fx.ssh.port);
        session.setPassword("anything");
        session.setConfig("StrictHostKeyChecking", "no");
        session.setConfig("PreferredAuthentications", "password,keyboard-interactive");
        JSchException e = assertThrows(JSchException.class, () -> session.connect(20_000));
        assertTrue(e.getMessage().contains("Auth fail"), e.getMessage());
    }

    @Test
    void aBsdAuthStyleAfterTheUserNameIsIgnoredAsSshdDoes() throws Exception {
        OpenSsh.Result r = new OpenSsh(fx.ssh.port, fx.user + ":style", fx.key).run("id -un");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(fx.user + "\n", r.out());
    }

    @Test
    void aUserNameCannotForgeALogLine() throws Exception {
        JSch jsch = new JSch();
        jsch.addIdentity(stranger.privateKey().toString());
        Session session = jsch.getSession("evil\n2026 INFO SshService - ssh enabled\u001b[2J", "127.0.0.1", fx.ssh.port);
        session.setConfig("StrictHostKeyChecking", "no");
        assertThrows(JSchException.class, () -> session.connect(20_000));
        String line = fx.daemon.awaitLogLine("refused publickey auth", "user=evil\\n2026 INFO SshService");
        assertTrue(line.contains("ssh enabled\\x1b[2J key="), line);
        assertTrue(java.nio.file.Files.readAllLines(fx.daemon.log).stream().noneMatch(l -> l.startsWith("2026 INFO")));
    }

    @Test
    void jschWithTheEnabledKeyRunsCommands() throws Exception {
        SshFixture.JschExec r = fx.jschExec("id -un; exit 3");
        assertEquals(fx.user + "\n", r.out());
        assertEquals(3, r.exitStatus());
    }
}
