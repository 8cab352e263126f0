package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line is a contract: --help, one-line errors with exit 2, and start-up lines naming each listener. */
class CommandLineIT {
    @TempDir
    Path dir;

    @Test
    void helpListsEveryFlag() throws Exception {
        OpenSsh.Result r = jar("--help");
        assertEquals(0, r.exit());
        for (String flag : List.of("--api-listen", "--ssh-listen", "--state-dir", "--api-token-file", "--hostname",
                "--set-hostname", "--enable-key", "--backend-user", "--no-forwarding", "--no-agent-forwarding", "--gateway-ports", "--stream-local-bind-unlink", "--pty-user",
                "--pty-idle-timeout", "--help")) {
            assertTrue(r.out().contains(flag), flag + " missing from --help");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--bogus|unknown flag '--bogus'",
            "--api-listen|--api-listen needs a value",
            "--ssh-listen nohost|--ssh-listen: 'nohost' is not HOST:PORT",
            "--api-listen 127.0.0.1:99999|--api-listen: port 99999 is out of range",
            "--hostname bad_name!|--hostname: 'bad_name!' is not a valid hostname",
            "--backend-user tl-user|--backend-user is only meaningful with --enable-key",
            "--pty-idle-timeout 0|--pty-idle-timeout: must be at least 1 second, got 0",
            "--pty-idle-timeout soon|--pty-idle-timeout: 'soon' is not a whole number of seconds",
    })
    void badFlagIsOneLineAndExit2(String args, String error) throws Exception {
        OpenSsh.Result r = jar(args.split(" "));
        assertEquals(2, r.exit(), r.stderr());
        String[] lines = r.stderr().strip().split("\n");
        assertEquals(1, lines.length, r.stderr());
        assertTrue(lines[0].startsWith("sandbox-sshd: " + error), r.stderr());
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

    private static OpenSsh.Result jar(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(DaemonProcess.javaBinary(), "-jar", DaemonProcess.jar().toString()));
        argv.addAll(List.of(args));
        return OpenSsh.exec(argv, null, null);
    }
}
