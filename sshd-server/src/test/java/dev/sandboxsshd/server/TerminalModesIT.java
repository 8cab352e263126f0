package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The modes of the client's terminal are those of the remote one (the encoded terminal modes of {@code pty-req},
 * RFC 4254 §8), for {@code ssh -t host cmd} and for shells: the real client runs inside a local terminal
 * ({@code script}) set up with {@code stty}, and the remote {@code stty -a} shows it. Each case runs against OpenSSH's
 * own sshd too ({@link OpenSshServer}), which proves the test can pass.
 */
class TerminalModesIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;
    /**
     * The local terminal: control characters, a flag of each kind (input, output, control, local) and a speed. Not
     * parenb or cs7: Linux keeps every pseudo-terminal at cs8 without parity, locally as remotely.
     */
    static final String LOCAL_MODES = "stty 9600 intr ^G erase ^H kill ^X -echoctl ixany iutf8 -onlcr parodd";
    /** What Linux gives a fresh terminal, so what sshd shows when the client's terminal is a default one. */
    static final List<String> KERNEL_DEFAULTS = List.of("speed 38400 baud", "intr = ^C;", "erase = ^?;", "kill = ^U;",
            "eof = ^D;", "-parenb", "-parodd", "cs8", "icrnl", "ixon", "-ixany", "-iutf8", "opost", "onlcr", "isig",
            "icanon", "echo", "echoctl", "echoke");
    private static final Pattern SIZE = Pattern.compile("rows \\d+; columns \\d+;");

    @TempDir
    static Path dir;
    static SshFixture fx;
    static BothServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = BothServers.start(dir);
        fx = servers.ours;
    }

    @AfterAll
    static void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private static OpenSsh client(String server) throws Exception {
        return servers.client(server);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void commandOnATerminalHasTheClientsModes(String server) throws Exception {
        String stty = remoteStty(inTerminal(client(server), LOCAL_MODES, null, "stty -a"));
        assertClientsModes(stty);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void shellHasTheClientsModes(String server) throws Exception {
        OpenSsh.Result r = inTerminal(client(server), LOCAL_MODES,
                "stty -a; exit\n".getBytes(StandardCharsets.UTF_8));
        assertClientsModes(remoteStty(r));
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void defaultTerminalKeepsTheKernelsDefaults(String server) throws Exception {
        String stty = remoteStty(inTerminal(client(server), "true", null, "stty -a"));
        assertAll(stty, KERNEL_DEFAULTS);
    }

    /** Without a terminal of its own, {@code ssh -tt} sends no modes at all. */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void clientWithoutATerminalSendsNoModesAndGetsTheKernelsDefaults(String server) throws Exception {
        OpenSsh.Result r = client(server).run(List.of("-tt"), null, "stty -a");
        assertEquals(0, r.exit(), r.stderr());
        assertAll(remoteStty(r), KERNEL_DEFAULTS);
    }

    /** Every mode OpenSSH's client sends, not only those asserted above, ends up as OpenSSH's sshd sets it. */
    @Test
    void sameModesAsOpenSshsSshd() throws Exception {
        String ours = SIZE.matcher(remoteStty(inTerminal(client(OURS), LOCAL_MODES, null, "stty -a"))).replaceAll("");
        String theirs = SIZE.matcher(remoteStty(inTerminal(client(OPENSSH), LOCAL_MODES, null, "stty -a")))
                .replaceAll("");
        assertEquals(theirs, ours);
    }

    private static void assertClientsModes(String stty) {
        assertAll(stty, List.of("speed 9600 baud", "intr = ^G;", "erase = ^H;", "kill = ^X;", "-echoctl", "ixany",
                "iutf8", "-onlcr", "parodd"));
        // what the local stty left alone is still the default
        assertAll(stty, List.of("quit = ^\\;", "eof = ^D;", "cs8", "icrnl", "ixon", "opost", "isig", "icanon", "echo"));
    }

    /** Each expected setting, as a whole word of stty's output ("echo" is not "-echo" nor "echoe"). */
    private static void assertAll(String stty, List<String> expected) {
        Set<String> words = new HashSet<>(Arrays.asList(stty.split("\\s+")));
        for (String e : expected) {
            boolean found = e.contains(" ") ? stty.contains(e) : words.contains(e);
            assertTrue(found, "expected " + e + " in:\n" + stty);
        }
    }

    /** The remote {@code stty -a} output, from its speed line to its last flag line. */
    private static String remoteStty(OpenSsh.Result r) {
        String out = r.out().replace("\r", "");
        Matcher m = Pattern.compile("speed \\d+ baud;[^\\n]*\\n(?:[^\\n]*\\n)*?[^\\n]*(?:echoke|-echoke)[^\\n]*")
                .matcher(out);
        assertTrue(m.find(), "no stty -a output (exit " + r.exit() + "):\n" + out + "\nstderr:\n" + r.stderr());
        return m.group();
    }

    /**
     * {@code ssh -tt} run in a fresh local terminal ({@code script}) after {@code localSetup} ran in it; script types
     * {@code stdin} into the terminal. Its stdin stays open: at its end script would type an end-of-file character,
     * which reaches the remote terminal (as a NUL) and is echoed there, amid the output.
     */
    private static OpenSsh.Result inTerminal(OpenSsh client, String localSetup, byte[] stdin, String... remote)
            throws Exception {
        List<String> ssh = client.sshArgs(List.of("-tt"), remote);
        StringBuilder line = new StringBuilder(localSetup).append(" && exec");
        for (String arg : ssh) {
            assertFalse(arg.contains("'"), arg);
            line.append(" '").append(arg).append('\'');
        }
        Process p = new ProcessBuilder("script", "-qec", line.toString(), "/dev/null").start();
        try (OutputStream in = p.getOutputStream()) {
            CompletableFuture<byte[]> out = OpenSsh.readAll(p.getInputStream());
            CompletableFuture<byte[]> err = OpenSsh.readAll(p.getErrorStream());
            if (stdin != null) {
                in.write(stdin);
                in.flush();
            }
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out: " + line);
            }
            OpenSsh.Result r = new OpenSsh.Result(p.exitValue(), out.join(), err.join());
            assertEquals(0, r.exit(), "script exited with " + r.exit() + ":\n" + r.out() + "\nstderr:\n" + r.stderr());
            return r;
        } finally {
            DaemonProcess.killTree(p.toHandle());
        }
    }
}
