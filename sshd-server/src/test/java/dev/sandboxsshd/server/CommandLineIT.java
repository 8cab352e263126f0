package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line is a contract: --help, one-line errors with exit 2, and start-up lines naming each listener. The
 * parsing itself is DaemonOptionsTest's; here only what needs the real process (4 JVMs).
 */
class CommandLineIT {
    @TempDir
    Path dir;

    @Test
    void helpPrintsTheFlagTableAndExits0() throws Exception {
        OpenSsh.Result r = jar("--help");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(Flags.help(), r.out());
        assertEquals("", r.stderr());
    }

    /** Every other bad flag and its message: DaemonOptionsTest. */
    @Test
    void badFlagIsOneLineOnStderrAndExit2() throws Exception {
        OpenSsh.Result r = jar("--pty-idle-timeout", "soon");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("sandbox-sshd: --pty-idle-timeout: 'soon' is not a whole number of seconds\n", r.stderr());
        assertEquals("", r.out());
    }

    @Test
    void enableKeyFlagEnablesAtStartAndPrintsHowToConnect() throws Exception {
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        String user = TestUser.backend().name();
        Path state = dir.resolve("state");
        try (DaemonProcess daemon = DaemonProcess.startWith(List.of(), state, List.of("--api-listen", "127.0.0.1:0",
                "--ssh-listen", "127.0.0.1:0", "--state-dir", state.toString(), "--enable-key",
                key.privateKey() + ".pub", "--backend-user", user))) {
            int port = daemon.sshPort();
            Await.until("the ssh line", java.time.Duration.ofSeconds(20), () -> daemon.stdoutLines().size() >= 2);
            String sshLine = daemon.stdoutLines().get(1);
            assertTrue(sshLine.contains("ssh listening on 127.0.0.1:" + port + " (pid " + daemon.pid), sshLine);
            assertTrue(sshLine.contains("ssh -p " + port + " " + user + "@127.0.0.1"), sshLine);
            assertEquals("ok\n", new OpenSsh(port, user, key).run("echo ok").out());
        }
    }

    @Test
    void enableKeyThatIsNotAPublicKeyStopsTheDaemon() throws Exception {
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        OpenSsh.Result r = jar("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0", "--state-dir",
                dir.resolve("state").toString(), "--enable-key", key.privateKey().toString());
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("proxy_pubkey is a private key"), r.stderr());
    }

    /** sshd's StrictModes for the API token file: a planted symlink, a readable file, another owner's file. */
    @Test
    void aTokenFileThatIsALinkOrThatOthersMayReadOrThatIsAnotherUsersIsRefused() throws Exception {
        Path state = dir.resolve("state");
        Path target = Files.writeString(dir.resolve("public-token"), "0123456789abcdef\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(dir.resolve("link-token"), target);
        assertTokenRefused(state, link, "is a symbolic link");

        Path readable = Files.writeString(dir.resolve("readable-token"), "0123456789abcdef\n");
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
        assertTokenRefused(state, readable, "has mode 0644: group or others may read or write it (chmod 600)");

        if (TestUser.ROOT) {
            Path theirs = Files.writeString(dir.resolve("their-token"), "0123456789abcdef\n");
            Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rw-------"));
            Files.setAttribute(theirs, "unix:uid", TestUser.backend().uid());
            assertTokenRefused(state, theirs, "is owned by uid " + TestUser.backend().uid() + ", not the daemon's 0");
        }
    }

    private static void assertTokenRefused(Path state, Path token, String reason) throws Exception {
        OpenSsh.Result r = jar("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0", "--state-dir",
                state.toString(), "--api-token-file", token.toString());
        assertEquals(1, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("refused api token file: path=" + token + " reason=" + reason), r.stderr());
        assertTrue(r.stderr().contains("sandbox-sshd: API token file " + token + " " + reason + "; refusing to use it"),
                r.stderr());
    }

    /** A state dir others may write is refused; one they may only read is made 0700. */
    @Test
    void aStateDirOthersMayWriteIsRefusedAndOneTheyMayReadIsMadePrivate() throws Exception {
        Path writable = Files.createDirectory(dir.resolve("writable"));
        Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rwxrwxrwx"));
        OpenSsh.Result r = jar("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0", "--state-dir",
                writable.toString());
        assertEquals(1, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("refused state dir: path=" + writable + " reason=has mode 0777: group or others"
                + " may write it"), r.stderr());
        assertTrue(r.stderr().contains("sandbox-sshd: state dir " + writable + " has mode 0777"), r.stderr());

        Path readable = Files.createDirectory(dir.resolve("readable"));
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (DaemonProcess daemon = DaemonProcess.startWith(List.of(), readable, List.of("--api-listen", "127.0.0.1:0",
                "--ssh-listen", "127.0.0.1:0", "--state-dir", readable.toString()))) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(readable)));
            assertTrue(Files.readString(daemon.log).contains("state dir " + readable + " had mode 0755; made it 0700"));
        }
    }

    private static OpenSsh.Result jar(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(DaemonProcess.javaBinary(), "-jar", DaemonProcess.jar().toString()));
        argv.addAll(List.of(args));
        return OpenSsh.exec(argv, null, null);
    }
}
