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
        assertTrue(line.contains("remote=/127.0.0.1:"), line);
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
