package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sandboxsshd.forwarding.ForwardingOptions;
import dev.sandboxsshd.shell.SessionEnvironment;

/** The command line as {@link DaemonOptions#parse} reads it, as root and not, without starting a daemon. */
class DaemonOptionsTest {
    private static final Flags.Machine ROOT = new Flags.Machine(true, () -> {
        throw new AssertionError("root's defaults never look its user up");
    }, "/root", Map.of());
    private static final Flags.Machine ALICE = new Flags.Machine(false, () -> "alice", "/home/alice", Map.of());

    private static DaemonOptions parse(Flags.Machine machine, String... args) throws Exception {
        return DaemonOptions.parse(args, machine);
    }

    private static String error(String... args) {
        return assertThrows(DaemonOptions.UsageException.class, () -> parse(ROOT, args)).getMessage();
    }

    @Test
    void defaultsAsRoot() throws Exception {
        DaemonOptions o = parse(ROOT);
        assertEquals(new HostPort("127.0.0.1", 7422), o.apiListen());
        assertEquals(new HostPort("0.0.0.0", 22), o.sshListen());
        assertEquals(Path.of("/var/lib/sandbox-sshd"), o.stateDir());
        assertEquals(Path.of("/var/lib/sandbox-sshd/api-token"), o.apiTokenFile());
        assertEquals("tl-sbx", o.hostname());
        assertFalse(o.setHostname());
        assertNull(o.enableKey());
        assertEquals("tl-user", o.backendUser());
        assertEquals(new ForwardingOptions(true, false, false, true), o.forwarding());
        assertEquals("tl-user", o.ptyUser());
        assertEquals(Duration.ofSeconds(300), o.ptyIdleTimeout());
        assertEquals(SessionEnvironment.Mode.IMAGE, o.sessionEnv());
        assertEquals(new SshLimits(new SshLimits.Startups(10, 30, 100), 6, 10, 100, 256, 0), o.limits());
        assertEquals(64, o.maxPtySessions());
    }

    @Test
    void defaultsAsAnotherUser() throws Exception {
        DaemonOptions o = parse(ALICE);
        assertEquals(new HostPort("127.0.0.1", 2222), o.sshListen());
        assertEquals(Path.of("/home/alice/.local/state/sandbox-sshd"), o.stateDir());
        assertEquals(Path.of("/home/alice/.local/state/sandbox-sshd/api-token"), o.apiTokenFile());
        assertEquals("alice", o.ptyUser());
        Flags.Machine xdg = new Flags.Machine(false, () -> "alice", "/home/alice", Map.of("XDG_STATE_HOME", "/run/alice"));
        assertEquals(Path.of("/run/alice/sandbox-sshd"), parse(xdg).stateDir());
        Flags.Machine emptyXdg = new Flags.Machine(false, () -> "alice", "/home/alice", Map.of("XDG_STATE_HOME", ""));
        assertEquals(Path.of("/home/alice/.local/state/sandbox-sshd"), parse(emptyXdg).stateDir());
    }

    @Test
    void theDaemonsOwnUserIsLookedUpOnlyForThePtyUsersDefault() throws Exception {
        Flags.Machine nameless = new Flags.Machine(false, () -> {
            throw new IllegalStateException("no passwd entry for uid 4711");
        }, "/", Map.of());
        assertEquals("bob", parse(nameless, "--pty-user", "bob").ptyUser());
    }

    @Test
    void everyValueFlag() throws Exception {
        DaemonOptions o = parse(ROOT, "--api-listen", "127.0.0.1:0", "--ssh-listen", "[::1]:2022", "--state-dir", "/s",
                "--hostname", "box.example", "--enable-key", "/k.pub", "--backend-user", "bob", "--pty-user", "carol",
                "--pty-idle-timeout", "5", "--session-env", "clean", "--max-startups", "3", "--max-auth-tries", "2",
                "--max-sessions", "4", "--max-channels", "8", "--max-sftp-handles", "16", "--sftp-fd-reserve", "32",
                "--max-pty-sessions", "1");
        assertEquals(new HostPort("127.0.0.1", 0), o.apiListen());
        assertEquals(new HostPort("::1", 2022), o.sshListen());
        assertEquals(Path.of("/s"), o.stateDir());
        assertEquals(Path.of("/s/api-token"), o.apiTokenFile(), "the token follows --state-dir");
        assertEquals("box.example", o.hostname());
        assertEquals(Path.of("/k.pub"), o.enableKey());
        assertEquals("bob", o.backendUser());
        assertEquals("carol", o.ptyUser());
        assertEquals(Duration.ofSeconds(5), o.ptyIdleTimeout());
        assertEquals(SessionEnvironment.Mode.CLEAN, o.sessionEnv());
        assertEquals(new SshLimits(new SshLimits.Startups(3, 100, 3), 2, 4, 8, 16, 32), o.limits());
        assertEquals(1, o.maxPtySessions());
    }

    @Test
    void valuesMayFollowAnEqualsSignAndTheLastWins() throws Exception {
        DaemonOptions o = parse(ROOT, "--api-token-file=/t", "--hostname=a", "--hostname", "b", "--max-startups=1:50:2");
        assertEquals(Path.of("/t"), o.apiTokenFile());
        assertEquals("b", o.hostname());
        assertEquals(new SshLimits.Startups(1, 50, 2), o.limits().maxStartups());
    }

    @Test
    void switches() throws Exception {
        DaemonOptions o = parse(ROOT, "--set-hostname", "--gateway-ports", "--stream-local-bind-unlink",
                "--no-agent-forwarding");
        assertTrue(o.setHostname());
        assertEquals(new ForwardingOptions(true, true, true, false), o.forwarding());
        assertEquals(new ForwardingOptions(false, false, false, true), parse(ROOT, "--no-forwarding").forwarding());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void helpIsAUsageExceptionWithoutAMessage(String flag) {
        assertNull(error("--hostname", "x", flag, "--bogus"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "--bogus|unknown flag '--bogus' (see --help)",
            "-x|unknown flag '-x' (see --help)",
            "--bogus=1|unknown flag '--bogus=1' (see --help)",
            "--api-listen|--api-listen needs a value",
            "--ssh-listen nohost|--ssh-listen: 'nohost' is not HOST:PORT",
            "--api-listen 127.0.0.1:99999|--api-listen: port 99999 is out of range 0-65535",
            "--hostname bad_name!|--hostname: 'bad_name!' is not a valid hostname",
            "--hostname -lead|--hostname: '-lead' is not a valid hostname",
            "--backend-user tl-user|--backend-user is only meaningful with --enable-key",
            "--pty-idle-timeout 0|--pty-idle-timeout: must be at least 1 second, got 0",
            "--pty-idle-timeout soon|--pty-idle-timeout: 'soon' is not a whole number of seconds",
            "--session-env dirty|--session-env: 'dirty' is not image or clean",
            "--max-startups 1:2|--max-startups: '1:2' is not START:RATE:FULL or a number",
            "--max-startups 5:30:2|--max-startups: need 1 <= start <= full and 1 <= rate <= 100",
            "--max-auth-tries 0|--max-auth-tries: '0' is not a whole number of at least 1",
            "--max-sessions many|--max-sessions: 'many' is not a whole number of at least 1",
            "--max-pty-sessions -1|--max-pty-sessions: '-1' is not a whole number of at least 1",
            "--max-sftp-handles 1.5|--max-sftp-handles: '1.5' is not a whole number of at least 1",
            "--max-sessions 20 --max-channels 10|--max-channels must be at least --max-sessions",
    })
    void badFlagIsOneLine(String args, String message) {
        assertEquals(message, error(args.split(" ")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "--no-forwarding=false|--no-forwarding takes no value, got '--no-forwarding=false': give --no-forwarding alone to turn it on, or leave it out (forwarding on)",
            "--no-forwarding=true|--no-forwarding takes no value, got '--no-forwarding=true': give --no-forwarding alone to turn it on, or leave it out (forwarding on)",
            "--no-agent-forwarding=no|--no-agent-forwarding takes no value, got '--no-agent-forwarding=no': give --no-agent-forwarding alone to turn it on, or leave it out (agent forwarding on)",
            "--gateway-ports=|--gateway-ports takes no value, got '--gateway-ports=': give --gateway-ports alone to turn it on, or leave it out (loopback only)",
            "--set-hostname=0|--set-hostname takes no value, got '--set-hostname=0': give --set-hostname alone to turn it on, or leave it out (off)",
            "--stream-local-bind-unlink=yes|--stream-local-bind-unlink takes no value, got '--stream-local-bind-unlink=yes': give --stream-local-bind-unlink alone to turn it on, or leave it out (off)",
            "--help=1|--help takes no value, got '--help=1': give --help alone to turn it on, or leave it out",
    })
    void aSwitchGivenAValueIsRefusedNamingIt(String arg, String message) {
        assertEquals(message, error(arg));
    }

    @Test
    void hostnameOfMoreThan64Characters() {
        String name = "a".repeat(60) + ".bcde";
        assertEquals("--hostname: '" + name + "' is not a valid hostname", error("--hostname", name));
    }
}
