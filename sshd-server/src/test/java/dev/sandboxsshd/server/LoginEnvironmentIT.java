package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sandboxsshd.shell.PosixUser;

/** A session is the backend user's login: identity, home, shell, environment, as OpenSSH on Debian gives it. */
class LoginEnvironmentIT {
    @TempDir
    static Path dir;
    static SshFixture fx;
    static PosixUser user;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        user = TestUser.backend();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void runsAsTheUserWithItsGroupsInItsHome() throws Exception {
        OpenSsh.Result r = fx.ssh.run("id -un; id -u; id -g; id -G; pwd; echo $HOME");
        assertEquals(0, r.exit(), r.stderr());
        String groups = user.groups().stream().sorted().map(String::valueOf).collect(Collectors.joining(" "));
        String[] lines = r.out().split("\n");
        assertEquals(user.name(), lines[0]);
        assertEquals(Integer.toString(user.uid()), lines[1]);
        assertEquals(Integer.toString(user.gid()), lines[2]);
        assertEquals(groups, List.of(lines[3].split(" ")).stream().map(Integer::parseInt).sorted()
                .map(String::valueOf).collect(Collectors.joining(" ")));
        assertEquals(user.home().toString(), lines[4]);
        assertEquals(user.home().toString(), lines[5]);
    }

    @Test
    void tlUserIsInTheSudoGroup() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        OpenSsh.Result r = fx.ssh.run("id -Gn");
        assertTrue(List.of(r.out().strip().split(" ")).contains("sudo"), r.out());
    }

    @Test
    void environmentIsTheLoginEnvironmentAndNothingOfTheDaemons() throws Exception {
        Map<String, String> env = env(fx.ssh.run("env -0"));
        assertEquals(user.home().toString(), env.get("HOME"));
        assertEquals(user.name(), env.get("USER"));
        assertEquals(user.name(), env.get("LOGNAME"));
        assertEquals(user.shell(), env.get("SHELL"));
        assertEquals("/var/mail/" + user.name(), env.get("MAIL"));
        // the image's PATH (here the one the daemon inherited from this JVM), sshd's where there is none
        assertEquals(System.getenv().getOrDefault("PATH", user.uid() == 0
                ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                : "/usr/local/bin:/usr/bin:/bin:/usr/games"), env.get("PATH"));
        assertTrue(env.get("SSH_CLIENT").matches("127\\.0\\.0\\.1 \\d+ " + fx.ssh.port), env.get("SSH_CLIENT"));
        assertTrue(env.get("SSH_CONNECTION").matches("127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 " + fx.ssh.port), env.get("SSH_CONNECTION"));
        assertFalse(env.containsKey("SSH_TTY"), "no tty, no SSH_TTY");
        assertFalse(env.containsKey("TERM"), "no tty, no TERM");
        assertFalse(env.containsKey(DaemonProcess.LEAK_MARKER), "daemon environment leaked into the session");
        assertFalse(env.keySet().stream().anyMatch(k -> k.startsWith("SANDBOX_SSHD_")), env.toString());
    }

    @Test
    void onlyAcceptedClientVariablesArePassed() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-o", "SetEnv=LANG=C.UTF-8 LC_TIME=C COLORTERM=truecolor TERM_PROGRAM=vscode "
                + "FOO=bar LD_PRELOAD=/tmp/x.so PATH=/evil"), null, "env -0");
        Map<String, String> env = env(r);
        assertEquals("C.UTF-8", env.get("LANG"));
        assertEquals("C", env.get("LC_TIME"));
        assertEquals("truecolor", env.get("COLORTERM"));
        assertEquals("vscode", env.get("TERM_PROGRAM"));
        assertFalse(env.containsKey("FOO"));
        assertFalse(env.containsKey("LD_PRELOAD"));
        assertFalse(env.get("PATH").contains("evil"));
    }

    @Test
    void shellWithoutCommandIsALoginShellReadingStdin() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-T"), "shopt -q login_shell && echo login; echo $0; exit 6\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(6, r.exit(), r.stderr());
        assertTrue(r.out().startsWith("login\n"), r.out());
    }

    @Test
    void commandRunsThroughTheUsersShell() throws Exception {
        // the process running the command line is the user's passwd shell (the trailing true keeps bash from exec'ing ps)
        OpenSsh.Result r = fx.ssh.run("ps -o comm= -p $$; true");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(Path.of(user.shell()).getFileName() + "\n", r.out());
    }

    /** sshd writes addresses in RFC 5952's form: {@code ::1 56982 ::1 22}, not Java's {@code 0:0:0:0:0:0:0:1}. */
    @Test
    void overIpv6TheEnvironmentAndTheLogWriteAddressesAsOpenSsh() throws Exception {
        assumeTrue(loopbackV6(), "needs IPv6 on the loopback interface (::1)");
        try (SshFixture v6 = SshFixture.start(dir.resolve("v6"), "--ssh-listen", "[::1]:0")) {
            int port = v6.daemon.sshPort();
            assertEquals("[::1]:" + port, v6.daemon.status().body().get("listen").asText());
            Map<String, String> env = env(ssh6(v6.ssh, "env -0"));
            assertTrue(env.get("SSH_CLIENT").matches("::1 \\d+ " + port), env.get("SSH_CLIENT"));
            assertTrue(env.get("SSH_CONNECTION").matches("::1 \\d+ ::1 " + port), env.get("SSH_CONNECTION"));
            // a refusal's log line: the same form, bracketed with its port
            ClientKey stranger = ClientKey.ed25519(dir.resolve("v6-stranger"), "stranger");
            assertEquals(255, ssh6(new OpenSsh(port, v6.user, stranger), "true").exit());
            v6.daemon.awaitLogLine("refused publickey auth: remote=[::1]:", "user=" + v6.user);
        }
    }

    private static boolean loopbackV6() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("::1"))) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** {@code ssh -6} to {@code ::1}. */
    private static OpenSsh.Result ssh6(OpenSsh client, String command) throws Exception {
        List<String> argv = new java.util.ArrayList<>(client.baseArgs("ssh"));
        argv.addAll(List.of("-6", "-o", "LogLevel=ERROR", user.name() + "@::1", command));
        return OpenSsh.exec(argv, null, null);
    }

    private static Map<String, String> env(OpenSsh.Result r) {
        assertEquals(0, r.exit(), r.stderr());
        Map<String, String> env = new HashMap<>();
        for (String entry : r.out().split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }
}
