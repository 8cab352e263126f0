package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ssh -A} with the real client and a private {@code ssh-agent} holding the enabled key: the session's
 * processes reach the agent through a socket that is the user's alone, a next hop logs in through it (and, as the
 * control shows, only through it), and the socket is gone after logout. Each case runs against OpenSSH's sshd too
 * ({@link OpenSshServer}), which proves the test can pass.
 */
class AgentForwardingIT {
    static final String OURS = "sandbox-sshd";
    static final String OPENSSH = "openssh";
    /** sshd's agent socket: mkdtemp's directory under /tmp, and agent.&lt;pid&gt; in it. */
    private static final Pattern SOCKET = Pattern.compile("/tmp/ssh-[A-Za-z0-9]{10}/agent\\.[0-9]+");
    private static final Duration GONE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static SshFixture fx;
    static OpenSshServer openssh;
    static Process agent;
    static Path agentSocket;
    /** The enabled key's SHA256 fingerprint, as ssh-add -l prints it. */
    static String fingerprint;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir.resolve("ours"));
        agentSocket = dir.resolve("agent.sock");
        agent = new ProcessBuilder("ssh-agent", "-D", "-a", agentSocket.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
        Await.until("ssh-agent to listen", Duration.ofSeconds(20), () -> Files.exists(agentSocket) || !agent.isAlive());
        OpenSsh.Result added = OpenSsh.exec(List.of("env", "SSH_AUTH_SOCK=" + agentSocket, "ssh-add",
                fx.key.privateKey().toString()), null, null);
        assertEquals(0, added.exit(), added.stderr());
        OpenSsh.Result listed = OpenSsh.exec(List.of("ssh-keygen", "-l", "-f", fx.key.privateKey() + ".pub"), null, null);
        assertEquals(0, listed.exit(), listed.stderr());
        fingerprint = listed.out().split(" ")[1];
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            DaemonProcess.killTree(agent.toHandle());
        }
        if (openssh != null) {
            openssh.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    /** OpenSSH's sshd trusting the same key, started once (the case is skipped where it cannot run). */
    private static OpenSshServer opensshServer() throws Exception {
        if (openssh == null) {
            openssh = OpenSshServer.start(dir.resolve("openssh"), fx.key);
        }
        return openssh;
    }

    /** The client for the server, with the test's agent (forwarded only where a case passes -A). */
    private static OpenSsh client(String server) throws Exception {
        return (server.equals(OURS) ? fx.ssh : opensshServer().ssh).withAgent(agentSocket);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void theSessionListsTheForwardedAgentsKey(String server) throws Exception {
        OpenSsh.Result r = client(server).run(List.of("-A"), null, "ssh-add -l");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().contains(fingerprint), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void aNextHopLogsInThroughTheForwardedAgentOnly(String server) throws Exception {
        OpenSsh ssh = client(server);
        String hop = "ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
                + " -o LogLevel=ERROR -p " + ssh.port + " " + ssh.user + "@127.0.0.1 echo hopped";
        OpenSsh.Result through = ssh.run(List.of("-A"), null, hop);
        assertEquals(0, through.exit(), through.stderr());
        assertEquals("hopped\n", through.out());
        // the control: without the agent, the user has no key the server takes
        OpenSsh.Result without = ssh.run(List.of("-o", "ForwardAgent=no"), null, hop);
        assertEquals(255, without.exit(), without.out());
        assertTrue(without.stderr().contains("Permission denied"), without.stderr());
    }

    /**
     * The socket is the user's, in a directory only the user may enter; another user is refused. sshd leaves the
     * socket itself at 0755 (its umask), the directory being the protection; ours is 0600 as well.
     */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void theSocketIsTheUsersAloneAndGoneAfterLogout(String server) throws Exception {
        Path stderr = dir.resolve(server + "-alone.err");
        Process session = new ProcessBuilder(client(server).sshArgs(List.of("-A"),
                "echo \"$SSH_AUTH_SOCK\"; stat -c '%U %a %F' \"$SSH_AUTH_SOCK\" \"${SSH_AUTH_SOCK%/*}\"; read -r _"))
                .redirectError(stderr.toFile()).start();
        Path socket;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = List.of(String.valueOf(out.readLine()), String.valueOf(out.readLine()),
                    String.valueOf(out.readLine()));
            assertTrue(SOCKET.matcher(lines.get(0)).matches(), lines + " " + Files.readString(stderr));
            socket = Path.of(lines.get(0));
            String user = TestUser.backend().name();
            assertEquals(user + " 700 directory", lines.get(2));
            String[] sock = lines.get(1).split(" ", 3);
            assertEquals(List.of(user, "socket"), List.of(sock[0], sock[2]), lines.get(1));
            if (server.equals(OURS)) {
                assertEquals("600", sock[1]);
            }
            if (TestUser.ROOT) {
                OpenSsh.Result other = OpenSsh.exec(List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", "env", "SSH_AUTH_SOCK=" + socket, "ssh-add", "-l"), null, null);
                assertEquals(2, other.exit(), other.out());
                assertTrue(other.stderr().contains("Permission denied"), other.stderr());
            }
            endByALine(session);
            assertEquals(0, session.waitFor(), Files.readString(stderr));
        } finally {
            DaemonProcess.killTree(session.toHandle());
        }
        Await.until("the agent socket and its directory to go", GONE,
                () -> !Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !Files.exists(socket.getParent()));
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void shellsAndTerminalsGetTheSocketToo(String server) throws Exception {
        OpenSsh ssh = client(server);
        byte[] typed = "echo \"auth=$SSH_AUTH_SOCK\"; exit\n".getBytes(StandardCharsets.UTF_8);
        // exec on a terminal, a shell on pipes, a shell on a terminal
        for (OpenSsh.Result r : List.of(ssh.run(List.of("-A", "-tt"), null, "echo \"auth=$SSH_AUTH_SOCK\""),
                ssh.run(List.of("-A", "-T"), typed), ssh.run(List.of("-A", "-tt"), typed))) {
            assertEquals(0, r.exit(), r.stderr());
            assertTrue(Pattern.compile("auth=" + SOCKET.pattern() + "\r?\n").matcher(r.out()).find(), r.out());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void withoutDashAThereIsNoSocket(String server) throws Exception {
        OpenSsh.Result r = client(server).run(List.of("-o", "ForwardAgent=no"), null,
                "echo \"auth=${SSH_AUTH_SOCK-unset}\"; ssh-add -l");
        assertEquals("auth=unset\n", r.out());
        assertEquals(2, r.exit(), r.stderr());
    }

    /**
     * Sessions multiplexed on one connection (ControlMaster) share its socket, as with sshd. Ours removes it once
     * the last session that asked for it has ended, while the connection lives on; sshd keeps it until the
     * connection ends.
     */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void sessionsOfOneConnectionShareItsSocket(String server) throws Exception {
        OpenSsh ssh = client(server);
        Path control = dir.resolve(server + "-mux");
        Process master = new ProcessBuilder(ssh.sshArgs(List.of("-A", "-M", "-S", control.toString(), "-N")))
                .redirectErrorStream(true).redirectOutput(dir.resolve(server + "-mux.log").toFile()).start();
        Process first = null;
        try {
            Await.until("the control socket", Duration.ofSeconds(20), () -> Files.exists(control) || !master.isAlive());
            List<String> viaMaster = List.of("-A", "-S", control.toString());
            Path firstErr = dir.resolve(server + "-mux-first.err");
            first = new ProcessBuilder(ssh.sshArgs(viaMaster, "echo \"$SSH_AUTH_SOCK\"; read -r _"))
                    .redirectError(firstErr.toFile()).start();
            String socket = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertTrue(socket != null && SOCKET.matcher(socket).matches(), String.valueOf(socket));
            // its stdin ends at once, so its exit status may be lost (see endByALine): the output says it all
            OpenSsh.Result second = OpenSsh.exec(ssh.sshArgs(viaMaster, "echo \"$SSH_AUTH_SOCK\"; ssh-add -l"), null, null);
            assertEquals(socket, second.out().lines().findFirst().orElse(""), second.stderr());
            assertTrue(second.out().contains(fingerprint), second.out() + second.stderr());
            endByALine(first);
            assertEquals(0, first.waitFor(), Files.readString(firstErr));
            Path path = Path.of(socket);
            if (server.equals(OURS)) {
                Await.until("the socket to go with its last session", GONE,
                        () -> !Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path.getParent()));
                assertTrue(master.isAlive(), "the connection lives on");
            } else {
                assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "sshd keeps it while the connection lives");
                DaemonProcess.killTree(master.toHandle());
                Await.until("the socket to go with the connection", GONE,
                        () -> !Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path.getParent()));
            }
        } finally {
            if (first != null) {
                DaemonProcess.killTree(first.toHandle());
            }
            DaemonProcess.killTree(master.toHandle());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void refusedWhenTurnedOffWithOneLogLine(String server, @TempDir Path own) throws Exception {
        if (server.equals(OURS)) {
            try (SshFixture refusing = SshFixture.start(own, "--no-agent-forwarding")) {
                assertNoAgent(refusing.ssh.withAgent(agentSocket));
                refusing.daemon.awaitLogLine("refused agent forwarding: originator ", "user=" + refusing.user,
                        "reason=agent forwarding is disabled (--no-agent-forwarding)");
            }
        } else {
            try (OpenSshServer refusing = OpenSshServer.start(own, fx.key, List.of(), List.of("AllowAgentForwarding no"))) {
                assertNoAgent(refusing.ssh.withAgent(agentSocket));
            }
        }
    }

    @Test
    void noForwardingRefusesTheAgentToo(@TempDir Path own) throws Exception {
        try (SshFixture refusing = SshFixture.start(own, "--no-forwarding")) {
            assertNoAgent(refusing.ssh.withAgent(agentSocket));
            refusing.daemon.awaitLogLine("refused agent forwarding: originator ", "user=" + refusing.user,
                    "reason=forwarding is disabled (--no-forwarding)");
        }
    }

    /**
     * Ends a session waiting in {@code read} with a line, its stdin left open: a session ended by stdin EOF races
     * the client's channel close against our exit-status, which a multiplexing master can lose (exit 255).
     */
    private static void endByALine(Process session) throws IOException {
        session.getOutputStream().write('\n');
        session.getOutputStream().flush();
    }

    /** The client asks without wanting a reply: the session simply has no agent. */
    private static void assertNoAgent(OpenSsh ssh) throws Exception {
        OpenSsh.Result r = ssh.run(List.of("-A"), null, "echo \"auth=${SSH_AUTH_SOCK-unset}\"; ssh-add -l");
        assertEquals("auth=unset\n", r.out());
        assertEquals(2, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("Could not open a connection to your authentication agent"), r.stderr());
    }
}
