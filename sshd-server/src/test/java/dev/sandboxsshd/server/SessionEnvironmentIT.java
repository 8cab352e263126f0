package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sandboxsshd.shell.PosixUser;

/**
 * Sessions get the environment the image declares: what the daemon inherited (an image's ENV lands there) less
 * the daemon's own variables, then pam_env's /etc/environment, then the login's; {@code --session-env=clean} is
 * sshd's (no inherited variables). Same for PTY API sessions. Each daemon runs in a mount namespace of its own whose
 * /etc/environment is the test's; nothing of the machine changes.
 */
class SessionEnvironmentIT {
    static final String IMAGE_PATH = "/opt/sandbox-test/bin:/usr/local/bin:/usr/bin:/bin";
    /** An image's ENV, and what a daemon's own launch adds (JVM options, loader and malloc settings, its terminal). */
    static final Map<String, String> DAEMON_ENV = Map.of(
            "PATH", IMAGE_PATH,
            "FOO", "bar",
            "JAVA_HOME", "/opt/java",
            "JAVA_TOOL_OPTIONS", "-Dsandbox.test=1",
            "LD_LIBRARY_PATH", "/nonexistent",
            "MALLOC_ARENA_MAX", "2",
            "SANDBOX_SSHD_CDS", "off",
            "TERM", "xterm-of-the-daemon",
            "NOTIFY_SOCKET", "/run/systemd/notify");

    @TempDir
    static Path dir;
    static Path etcEnvironment;
    static ClientKey key;
    static PosixUser user;

    @BeforeAll
    static void prepare() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT + " (a mount namespace for /etc/environment)");
        user = TestUser.backend();
        key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        etcEnvironment = Files.writeString(dir.resolve("environment"),
                "# pam_env's file\nFROM_ETC=\"etc environment\"\nexport EXPORTED=yes\nFOO=overridden-by-etc\n");
        Files.setPosixFilePermissions(etcEnvironment, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static DaemonProcess daemon(String name, String... extra) throws Exception {
        Path state = dir.resolve(name + "/state");
        List<String> prefix = List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount --bind \"$0\" /etc/environment && exec \"$@\"", etcEnvironment.toString());
        List<String> args = new java.util.ArrayList<>(List.of("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0",
                "--state-dir", state.toString()));
        args.addAll(List.of(extra));
        DaemonProcess daemon = DaemonProcess.startWith(prefix, state, args, DAEMON_ENV);
        assertEquals(200, daemon.enable(key.publicLine(), user.name()).status());
        return daemon;
    }

    @Test
    void imageModeGivesTheImagesVariablesAndNoneOfTheDaemons() throws Exception {
        try (DaemonProcess daemon = daemon("image")) {
            Map<String, String> env = env(new OpenSsh(daemon.sshPort(), user.name(), key).run("env -0").out(), "\0");
            assertImageEnvironment(env);
            assertNull(env.get("TERM"), "no tty, no TERM (the daemon's own is not the session's)");

            DaemonProcess.Http created = daemon.call("POST", "/api/v1/pty", "{\"command\": \"/usr/bin/env\"}");
            assertEquals(200, created.status(), created.raw());
            try (PtyClient pty = PtyClient.attach(daemon.api, created.body().get("session_id").asText(),
                    created.body().get("token").asText())) {
                pty.ready();
                pty.awaitClose();
                Map<String, String> ptyEnv = env(pty.text(), "\r\n");
                assertImageEnvironment(ptyEnv);
                assertEquals("xterm-256color", ptyEnv.get("TERM"));
            }
        }
    }

    @Test
    void cleanModeIsSshdsLoginEnvironment() throws Exception {
        try (DaemonProcess daemon = daemon("clean", "--session-env=clean")) {
            Map<String, String> env = env(new OpenSsh(daemon.sshPort(), user.name(), key).run("env -0").out(), "\0");
            assertEquals("/usr/local/bin:/usr/bin:/bin:/usr/games", env.get("PATH"));
            assertNull(env.get("JAVA_HOME"));
            assertEquals("etc environment", env.get("FROM_ETC"));
            assertEquals("overridden-by-etc", env.get("FOO"));
            assertNoDaemonVariables(env);
        }
    }

    private static void assertImageEnvironment(Map<String, String> env) {
        assertEquals(IMAGE_PATH, env.get("PATH"));
        assertEquals("/opt/java", env.get("JAVA_HOME"));
        assertEquals("etc environment", env.get("FROM_ETC"));
        assertEquals("yes", env.get("EXPORTED"));
        assertEquals("overridden-by-etc", env.get("FOO"), "pam_env's file comes after the image");
        assertEquals(user.home().toString(), env.get("HOME"));
        assertEquals(user.name(), env.get("USER"));
        assertNoDaemonVariables(env);
    }

    private static void assertNoDaemonVariables(Map<String, String> env) {
        for (String own : List.of("JAVA_TOOL_OPTIONS", "LD_LIBRARY_PATH", "MALLOC_ARENA_MAX", "SANDBOX_SSHD_CDS",
                "NOTIFY_SOCKET", DaemonProcess.LEAK_MARKER)) {
            assertFalse(env.containsKey(own), own + " leaked: " + env);
        }
        assertTrue(env.values().stream().noneMatch(v -> v.equals("xterm-of-the-daemon")), env.toString());
    }

    private static Map<String, String> env(String output, String separator) {
        Map<String, String> env = new HashMap<>();
        for (String entry : output.split(separator)) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }
}
