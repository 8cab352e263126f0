package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OpenSSH's limits with OpenSSH's defaults, each refusal one log line: MaxAuthTries 6, MaxSessions 10 per
 * connection, MaxStartups 10:30:100 unauthenticated connections. The client-visible cases also run against
 * OpenSSH's sshd, which proves the tests can pass.
 */
class LimitsIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;

    @TempDir
    static Path dir;
    static SshFixture fx;
    static BothServers servers;
    static List<ClientKey> strangers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        servers = BothServers.start(dir);
        fx = servers.ours;
        for (int i = 0; i < 7; i++) {
            strangers.add(ClientKey.ed25519(dir.resolve("stranger" + i), "stranger" + i));
        }
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

    /** ssh with these keys offered in order (and nothing else). */
    private static OpenSsh.Result withKeys(OpenSsh ssh, List<ClientKey> keys) throws Exception {
        List<String> args = new ArrayList<>(new OpenSsh(ssh.port, ssh.user, null).sshArgs(List.of()));
        args = args.subList(0, args.size() - 1); // the target goes last, after the keys
        for (ClientKey k : keys) {
            args.add("-i");
            args.add(k.privateKey().toString());
        }
        args.add(ssh.user + "@127.0.0.1");
        args.add("true");
        return OpenSsh.exec(args, null, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void sixWrongKeysEndTheConnectionAndFiveDoNot(String server) throws Exception {
        OpenSsh ssh = client(server);
        List<ClientKey> fiveThenRight = new ArrayList<>(strangers.subList(0, 5));
        fiveThenRight.add(fx.key);
        OpenSsh.Result in = withKeys(ssh, fiveThenRight);
        assertEquals(0, in.exit(), in.stderr());

        List<ClientKey> sixThenRight = new ArrayList<>(strangers.subList(0, 6));
        sixThenRight.add(fx.key);
        OpenSsh.Result out = withKeys(ssh, sixThenRight);
        assertEquals(255, out.exit(), out.stderr());
        assertTrue(out.stderr().contains("Too many authentication failures"), out.stderr());
        if (server.equals(OURS)) {
            fx.daemon.awaitLogLine("refused authentication: remote=", "reason=too many authentication failures (6)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void keysOfATypeNeverAcceptedCountAsFailuresToo(String server) throws Exception {
        // ECDSA keys never reach our authenticator (MINA refuses the type first); they must still count
        List<ClientKey> ecdsa = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ecdsa.add(ClientKey.generate(dir.resolve(server + "-ecdsa"), "ecdsa" + i, "ecdsa", 256));
        }
        ecdsa.add(fx.key);
        OpenSsh.Result out = withKeys(client(server), ecdsa);
        assertEquals(255, out.exit(), out.stderr());
        assertTrue(out.stderr().contains("Too many authentication failures"), out.stderr());
        if (server.equals(OURS)) {
            for (ClientKey k : ecdsa.subList(0, 6)) {
                String fingerprint = OpenSsh.exec(List.of("ssh-keygen", "-lf", k.privateKey() + ".pub"), null, null)
                        .out().split(" ")[1];
                fx.daemon.awaitLogLine("refused publickey auth: remote=", "key=ecdsa-sha2-nistp256 " + fingerprint);
            }
            fx.daemon.awaitLogLine("refused authentication: remote=", "reason=too many authentication failures (6)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void theEleventhSessionOnOneConnectionIsRefusedAndTheOthersGoOn(String server) throws Exception {
        OpenSsh ssh = client(server);
        Path control = dir.resolve(server + "-ctl");
        // a mux client whose session is refused falls back to a connection of its own: make that one fail
        List<String> mux = List.of("-o", "ControlPath=" + control, "-o", "ControlMaster=no", "-o", "ProxyCommand=false");
        Process master = new ProcessBuilder(ssh.sshArgs(List.of("-M", "-N", "-o", "ControlPath=" + control)))
                .redirectErrorStream(true).start();
        List<Process> sessions = new ArrayList<>();
        try {
            Await.until("the control master", Duration.ofSeconds(20), () -> {
                if (!master.isAlive()) {
                    throw new AssertionError(new String(master.getInputStream().readAllBytes()));
                }
                return java.nio.file.Files.exists(control);
            });
            List<Long> remotePids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sessions.add(new ProcessBuilder(ssh.sshArgs(mux, "echo $$; exec sleep 60")).redirectErrorStream(true).start());
            }
            for (Process p : sessions) {
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                remotePids.add(Long.parseLong(line.strip()));
            }
            OpenSsh.Result eleventh = OpenSsh.exec(ssh.sshArgs(mux, "true"), null, null);
            assertEquals(255, eleventh.exit(), eleventh.stderr());
            assertTrue(eleventh.stderr().contains("Session open refused by peer"), eleventh.stderr());
            if (server.equals(OURS)) {
                fx.daemon.awaitLogLine("refused channel: remote=", "type=session", "MaxSessions (10)");
            }
            assertTrue(sessions.stream().allMatch(Process::isAlive), "the ten sessions go on");
            // one session ends on the server's side: its channel closes and frees a slot
            ProcessHandle.of(remotePids.get(0)).ifPresent(ProcessHandle::destroy);
            Await.until("a session slot to free up", Duration.ofSeconds(20),
                    () -> OpenSsh.exec(ssh.sshArgs(mux, "true"), null, null).exit() == 0);
        } finally {
            sessions.forEach(p -> DaemonProcess.killTree(p.toHandle()));
            DaemonProcess.killTree(master.toHandle());
        }
    }

    @Test
    void noMoreSessionsRefusesLaterSessionsButNotForwards() throws Exception {
        // OpenSSH's client sends it only to servers that say they are OpenSSH; MINA's client can send it to us
        org.apache.sshd.client.SshClient client = org.apache.sshd.client.SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (java.nio.channels.ServerSocketChannel target = java.nio.channels.ServerSocketChannel.open()) {
            target.bind(new InetSocketAddress("127.0.0.1", 0));
            int targetPort = ((InetSocketAddress) target.getLocalAddress()).getPort();
            try (org.apache.sshd.client.session.ClientSession session = client.connect(fx.user, "127.0.0.1", fx.ssh.port)
                    .verify(Duration.ofSeconds(20)).getSession()) {
                new org.apache.sshd.common.keyprovider.FileKeyPairProvider(fx.key.privateKey()).loadKeys(session)
                        .forEach(session::addPublicKeyIdentity);
                session.auth().verify(Duration.ofSeconds(20));
                org.apache.sshd.common.util.buffer.Buffer request =
                        session.createBuffer(org.apache.sshd.common.SshConstants.SSH_MSG_GLOBAL_REQUEST);
                request.putString("no-more-sessions@openssh.com");
                request.putBoolean(true);
                assertTrue(session.request("no-more-sessions@openssh.com", request, Duration.ofSeconds(10)) != null,
                        "the request is acknowledged");
                try (var forward = session.createDirectTcpipChannel(
                        new org.apache.sshd.common.util.net.SshdSocketAddress("127.0.0.1", 0),
                        new org.apache.sshd.common.util.net.SshdSocketAddress("127.0.0.1", targetPort))) {
                    forward.open().verify(Duration.ofSeconds(20));
                }
                try (var exec = session.createExecChannel("true")) {
                    org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                            () -> exec.open().verify(Duration.ofSeconds(20)));
                }
                fx.daemon.awaitLogLine("refused channel: remote=", "type=session", "no-more-sessions@openssh.com");
            }
        } finally {
            client.stop();
        }
    }

    @Test
    void keepalivesAreAnswered() throws Exception {
        // a server that ignored keepalive@openssh.com would be dropped by the client after about two seconds
        OpenSsh.Result r = fx.ssh.run(List.of("-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=1"), null,
                "sleep 4; echo alive");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("alive\n", r.out());
    }

    @Test
    void openSftpHandlesPastTheCapAreRefusedAndTheSessionGoesOn() throws Exception {
        try (SshFixture capped = SshFixture.start(dir.resolve("handles"), "--max-sftp-handles", "5")) {
            com.jcraft.jsch.Session session = capped.jsch();
            try {
                com.jcraft.jsch.ChannelSftp sftp = (com.jcraft.jsch.ChannelSftp) session.openChannel("sftp");
                sftp.connect(20_000);
                List<java.io.InputStream> open = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    open.add(sftp.get("/etc/hostname"));
                }
                com.jcraft.jsch.SftpException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        com.jcraft.jsch.SftpException.class, () -> sftp.get("/etc/hostname"));
                assertEquals(com.jcraft.jsch.ChannelSftp.SSH_FX_FAILURE, refused.id, refused.getMessage());
                capped.daemon.awaitLogLine("refused sftp open: remote=", "reason=open handles at the limit (5)");
                open.remove(0).close();
                try (java.io.InputStream again = sftp.get("/etc/hostname")) {
                    assertTrue(again.read() >= 0, "a closed handle makes room");
                }
                for (java.io.InputStream in : open) {
                    in.close();
                }
            } finally {
                session.disconnect();
            }
        }
    }

    /**
     * Every SFTP handle is one of the daemon's descriptors: sessions together may take all but the reserve, so a
     * login, an API call and a PTY session still get theirs. RLIMIT_NOFILE 1024: the reserve is 256.
     */
    @Test
    void sftpHandlesOfAllSessionsLeaveDescriptorsForLoginsTheApiAndPtys() throws Exception {
        try (SshFixture low = SshFixture.start(List.of("prlimit", "--nofile=1024:1024", "--"), dir.resolve("fds"))) {
            List<com.jcraft.jsch.Session> sessions = new ArrayList<>();
            List<java.io.InputStream> open = new ArrayList<>();
            com.jcraft.jsch.SftpException refused = null;
            try {
                while (refused == null && sessions.size() < 5) { // 256 handles a session: the 4th reaches 1024
                    com.jcraft.jsch.Session session = low.jsch();
                    sessions.add(session);
                    com.jcraft.jsch.ChannelSftp sftp = (com.jcraft.jsch.ChannelSftp) session.openChannel("sftp");
                    sftp.connect(20_000);
                    for (int i = 0; i < 256 && refused == null; i++) {
                        try {
                            open.add(sftp.get("/etc/hostname"));
                        } catch (com.jcraft.jsch.SftpException e) {
                            refused = e;
                        }
                    }
                }
                assertTrue(refused != null, "no open refused after " + open.size() + " handles");
                assertEquals(com.jcraft.jsch.ChannelSftp.SSH_FX_FAILURE, refused.id, refused.getMessage());
                assertTrue(open.size() > 512, "sessions together hold more than two sessions' worth: " + open.size());

                OpenSsh.Result login = low.ssh.run("echo in");
                assertEquals(0, login.exit(), login.stderr());
                assertEquals("in\n", login.out());
                assertEquals(200, low.daemon.status().status());
                DaemonProcess.Http pty = low.daemon.call("POST", "/api/v1/pty",
                        "{\"command\": \"/bin/sh\", \"args\": [\"-c\", \"echo pty-ok; sleep 5\"]}");
                assertEquals(200, pty.status(), pty.raw());
                try (PtyClient client = PtyClient.attach(low.daemon.api, pty.body().get("session_id").asText(),
                        pty.body().get("token").asText()).ready()) {
                    client.awaitText("pty-ok");
                }
                low.daemon.awaitLogLine("refused sftp open: remote=", "reason=fewer than 256 file descriptors free");
            } finally {
                for (com.jcraft.jsch.Session session : sessions) {
                    session.disconnect();
                }
            }
        }
    }

    @Test
    void unauthenticatedConnectionsPastMaxStartupsAreClosedAndLoginsWorkOnceTheFloodEnds() throws Exception {
        int flood = 250;
        List<SocketChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < flood; i++) {
                SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1", fx.ssh.port));
                s.write(ByteBuffer.wrap("SSH-2.0-flood\r\n".getBytes(StandardCharsets.US_ASCII)));
                s.configureBlocking(false);
                held.add(s);
            }
            // every connection past the limit is closed by the server: wait for that, then count what is left
            Await.until("connections past MaxStartups to be closed", Duration.ofSeconds(20),
                    () -> open(held) <= 100);
            int open = open(held);
            assertTrue(open >= 10, "below MaxStartups start every connection is kept: " + open);
            fx.daemon.awaitLogLine("refused connection: remote=", "reason=past MaxStartups 10:30:100");
        } finally {
            for (SocketChannel s : held) {
                s.close();
            }
        }
        long ended = System.nanoTime();
        Await.until("a login after the flood", Duration.ofSeconds(10), () -> fx.ssh.run("true").exit() == 0);
        assertTrue(System.nanoTime() - ended < Duration.ofSeconds(10).toNanos());
    }

    /** Connections the server has not closed (what it sent of its own opening is read and dropped). */
    private static int open(List<SocketChannel> sockets) {
        ByteBuffer sink = ByteBuffer.allocate(16 * 1024);
        int open = 0;
        for (SocketChannel s : sockets) {
            try {
                int n;
                do {
                    sink.clear();
                    n = s.read(sink);
                } while (n > 0);
                if (n == 0) {
                    open++;
                }
            } catch (IOException reset) {
                // closed by the server
            }
        }
        return open;
    }
}
