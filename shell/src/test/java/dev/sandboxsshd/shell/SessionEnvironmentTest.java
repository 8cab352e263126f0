package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionEnvironmentTest {
    private static final PosixUser USER = new PosixUser("u", 1000, 1000, List.of(1000), Path.of("/home/u"), "/bin/bash");
    private static final Map<String, String> DAEMON = Map.of("PATH", "/opt/x/bin:/usr/bin", "PYTHON_VERSION", "3.12",
            "HOME", "/root", "TERM", "xterm", "JAVA_TOOL_OPTIONS", "-Xmx1g", "LD_PRELOAD", "/x.so",
            "MALLOC_ARENA_MAX", "2", "SANDBOX_SSHD_CDS", "off", "SSH_AUTH_SOCK", "/tmp/a", "SUDO_USER", "me");

    @TempDir
    Path dir;

    @Test
    void imageModeKeepsTheImagesVariablesAndDropsTheDaemonsOwn() {
        Map<String, String> env = new SessionEnvironment(SessionEnvironment.Mode.IMAGE, DAEMON, List.of()).forLogin(USER);
        assertEquals("/opt/x/bin:/usr/bin", env.get("PATH"));
        assertEquals("3.12", env.get("PYTHON_VERSION"));
        assertEquals("/home/u", env.get("HOME"));
        assertEquals("u", env.get("USER"));
        assertEquals("/var/mail/u", env.get("MAIL"));
        for (String own : List.of("TERM", "JAVA_TOOL_OPTIONS", "LD_PRELOAD", "MALLOC_ARENA_MAX", "SANDBOX_SSHD_CDS",
                "SSH_AUTH_SOCK", "SUDO_USER")) {
            assertFalse(env.containsKey(own), own);
        }
    }

    @Test
    void cleanModeIsTheLoginAloneWithSshdsPath() {
        Map<String, String> env = new SessionEnvironment(SessionEnvironment.Mode.CLEAN, DAEMON, List.of()).forLogin(USER);
        assertEquals(Map.of("HOME", "/home/u", "USER", "u", "LOGNAME", "u", "SHELL", "/bin/bash", "MAIL", "/var/mail/u",
                "PATH", LoginEnvironment.USER_PATH), env);
    }

    @Test
    void pamEnvFilesComeAfterTheImageAndBeforeTheLogin() throws IOException {
        Path etc = Files.writeString(dir.resolve("environment"), "PYTHON_VERSION=3.13\nHOME=/elsewhere\nA=1\n");
        Path locale = Files.writeString(dir.resolve("locale"), "LANG=C.UTF-8\nA=2\n");
        Path missing = dir.resolve("missing");
        Map<String, String> env = new SessionEnvironment(SessionEnvironment.Mode.IMAGE, DAEMON,
                List.of(etc, locale, missing)).forLogin(USER);
        assertEquals("3.13", env.get("PYTHON_VERSION"));
        assertEquals("/home/u", env.get("HOME"), "the login's own variables win");
        assertEquals("C.UTF-8", env.get("LANG"));
        assertEquals("2", env.get("A"));
    }

    @Test
    void theDaemonsOwnVariables() {
        assertTrue(SessionEnvironment.isDaemonsOwn("LD_LIBRARY_PATH"));
        assertTrue(SessionEnvironment.isDaemonsOwn("JDK_JAVA_OPTIONS"));
        assertTrue(SessionEnvironment.isDaemonsOwn("NOTIFY_SOCKET"));
        assertFalse(SessionEnvironment.isDaemonsOwn("JAVA_HOME"));
        assertFalse(SessionEnvironment.isDaemonsOwn("LANG"));
        assertFalse(SessionEnvironment.isDaemonsOwn("PATH"));
    }
}
