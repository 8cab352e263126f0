package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The POST /api/v1/ssh/enable contract: success, rotation, every refusal, and that a refusal changes nothing. */
class EnableApiIT {
    @TempDir
    static Path dir;
    static SshFixture fx;
    static ClientKey other;
    static ClientKey rsa1024;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        other = ClientKey.ed25519(dir.resolve("client"), "other");
        rsa1024 = ClientKey.generate(dir.resolve("client"), "weak", "rsa", 1024);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void enableAnswersWithDaemonPidAndFingerprint() throws Exception {
        DaemonProcess.Http r = fx.daemon.enable(fx.key.publicLine(), fx.user);
        assertEquals(200, r.status(), r.raw());
        assertTrue(r.body().get("enabled").asBoolean());
        assertEquals(fx.daemon.pid, r.body().get("pid").asLong());
        assertTrue(r.body().get("host_key_fingerprint").asText().matches("SHA256:[A-Za-z0-9+/]{43}"), r.raw());

        JsonNode status = fx.daemon.status().body();
        assertTrue(status.get("enabled").asBoolean());
        assertEquals(fx.daemon.pid, status.get("pid").asLong());
        assertEquals(r.body().get("host_key_fingerprint"), status.get("host_key_fingerprint"));
        assertEquals(fx.user, status.get("backend_user").asText());
        assertTrue(status.get("listen").asText().startsWith("127.0.0.1:"), status.toString());
    }

    @Test
    void backendUserDefaultsToTlUser() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        try {
            ObjectNode body = DaemonProcess.JSON.createObjectNode().put("proxy_pubkey", fx.key.publicLine());
            DaemonProcess.Http r = fx.daemon.call("POST", "/api/v1/ssh/enable", body.toString());
            assertEquals(200, r.status(), r.raw());
            assertEquals("tl-user", fx.daemon.status().body().get("backend_user").asText());
        } finally {
            fx.daemon.enable(fx.key.publicLine(), fx.user);
        }
    }

    @Test
    void secondEnableRotatesTheKeyAndKeepsOpenSessions() throws Exception {
        // a session opened with the first key, still reading its stdin
        Process open = new ProcessBuilder(fx.ssh.sshArgs(List.of(), "echo started; read line; echo got-$line")).start();
        try {
            assertEquals("started\n", new String(open.getInputStream().readNBytes("started\n".length())));
            String fingerprint = fx.daemon.status().body().get("host_key_fingerprint").asText();

            DaemonProcess.Http r = fx.daemon.enable(other.publicLine(), fx.user);
            assertEquals(200, r.status(), r.raw());
            assertEquals(fx.daemon.pid, r.body().get("pid").asLong());
            assertEquals(fingerprint, r.body().get("host_key_fingerprint").asText());

            OpenSsh withOther = new OpenSsh(fx.ssh.port, fx.user, other);
            assertEquals("ok\n", withOther.run("echo ok").out());
            OpenSsh.Result old = fx.ssh.run("echo ok");
            assertEquals(255, old.exit());
            assertTrue(old.stderr().contains("Permission denied (publickey)"), old.stderr());

            open.getOutputStream().write("still-here\n".getBytes());
            open.getOutputStream().close();
            assertEquals("got-still-here\n", new String(open.getInputStream().readAllBytes()));
            assertEquals(0, open.waitFor());
        } finally {
            DaemonProcess.killTree(open.toHandle());
            assertEquals(200, fx.daemon.enable(fx.key.publicLine(), fx.user).status());
        }
    }

    @Test
    void healthNeedsNoTokenAndSaysNothingElse() throws Exception {
        for (String auth : new String[] {null, "Bearer wrong", "Bearer " + fx.daemon.token()}) {
            DaemonProcess.Http r = fx.daemon.call("GET", "/api/v1/health", null, auth);
            assertEquals(200, r.status(), r.raw());
            assertEquals("{\"healthy\":true}", r.raw());
        }
        DaemonProcess.Http post = fx.daemon.call("POST", "/api/v1/health", "{}", null);
        assertEquals(401, post.status(), "only GET is open: " + post.raw());
    }

    @Test
    void infoCountsConnectionsAndSessions() throws Exception {
        DaemonProcess.Http before = fx.daemon.call("GET", "/api/v1/info", null);
        assertEquals(200, before.status(), before.raw());
        JsonNode info = before.body();
        assertEquals(List.of("version", "uptime_secs", "pid", "ssh", "connections", "ssh_sessions", "pty_sessions"),
                fieldNames(info));
        assertTrue(info.get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), "the pom's version: " + before.raw());
        assertTrue(info.get("uptime_secs").asLong() >= 0, before.raw());
        assertEquals(fx.daemon.pid, info.get("pid").asLong());
        assertTrue(info.get("ssh").get("enabled").asBoolean(), before.raw());
        assertEquals(fx.daemon.status().body().get("listen").asText(), info.get("ssh").get("listen").asText());

        // one connection with two sessions on it (a ControlMaster and a second session over it), and one PTY session
        Path control = dir.resolve("cm-" + System.nanoTime());
        List<String> mux = List.of("-o", "ControlMaster=auto", "-o", "ControlPath=" + control, "-o", "ControlPersist=no");
        Process first = new ProcessBuilder(fx.ssh.sshArgs(mux, "echo started; read line")).start();
        Process second = null;
        String pty = null;
        try {
            assertEquals("started\n", new String(first.getInputStream().readNBytes("started\n".length())));
            second = new ProcessBuilder(fx.ssh.sshArgs(mux, "echo started; read line")).start();
            assertEquals("started\n", new String(second.getInputStream().readNBytes("started\n".length())));
            pty = fx.daemon.call("POST", "/api/v1/pty", "{\"command\": \"/bin/cat\"}").body().get("session_id").asText();
            JsonNode busy = fx.daemon.call("GET", "/api/v1/info", null).body();
            assertEquals(before.body().get("connections").asInt() + 1, busy.get("connections").asInt(), busy.toString());
            assertEquals(before.body().get("ssh_sessions").asInt() + 2, busy.get("ssh_sessions").asInt(), busy.toString());
            assertEquals(before.body().get("pty_sessions").asInt() + 1, busy.get("pty_sessions").asInt(), busy.toString());
        } finally {
            if (second != null) {
                DaemonProcess.killTree(second.toHandle());
            }
            DaemonProcess.killTree(first.toHandle());
            if (pty != null) {
                fx.daemon.call("DELETE", "/api/v1/pty/" + pty, null);
            }
        }
        Await.until("the connection is gone from info", Duration.ofSeconds(20), () -> {
            JsonNode after = fx.daemon.call("GET", "/api/v1/info", null).body();
            return after.get("connections").asInt() == before.body().get("connections").asInt()
                    && after.get("ssh_sessions").asInt() == before.body().get("ssh_sessions").asInt();
        });
    }

    /** A connection still in its key exchange has no channels yet, and is counted, not a 500. */
    @Test
    void infoCountsAConnectionThatHasNotAuthenticated() throws Exception {
        int before = fx.daemon.call("GET", "/api/v1/info", null).body().get("connections").asInt();
        try (Socket raw = new Socket("127.0.0.1", fx.daemon.sshPort())) {
            raw.getOutputStream().write("SSH-2.0-test\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.getOutputStream().flush();
            // the server's own version line: the connection is the server's now
            assertTrue(new String(raw.getInputStream().readNBytes(4), StandardCharsets.US_ASCII).startsWith("SSH-"));
            DaemonProcess.Http during = fx.daemon.call("GET", "/api/v1/info", null);
            assertEquals(200, during.status(), during.raw());
            assertEquals(before + 1, during.body().get("connections").asInt(), during.raw());
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static Stream<Arguments> badRequests() throws Exception {
        String good = fx.key.publicLine();
        String[] parts = good.split(" ");
        byte[] blob = Base64.getDecoder().decode(parts[1]);
        byte[] longer = java.util.Arrays.copyOf(blob, blob.length + 4);
        String trailing = parts[0] + " " + Base64.getEncoder().encodeToString(longer);
        String privateKey = Files.readString(fx.key.privateKey());
        String mismatched = "ssh-rsa " + parts[1];
        return Stream.of(
                Arguments.of("{}", 400, "proxy_pubkey is required"),
                Arguments.of("{\"proxy_pubkey\": 42}", 400, "proxy_pubkey must be a string"),
                Arguments.of("{\"proxy_pubkey\": [\"" + good + "\"]}", 400, "proxy_pubkey must be a string"),
                Arguments.of(json(""), 400, "proxy_pubkey is empty"),
                Arguments.of(json("ssh-foo " + parts[1]), 400, "unknown key type 'ssh-foo'"),
                Arguments.of(json("ssh-ed25519 AAAA%%%notbase64"), 400, "not valid base64"),
                Arguments.of(json("ssh-ed25519"), 400, "no key data"),
                Arguments.of(json(trailing), 400, "4 trailing bytes"),
                Arguments.of(json("ssh-ed25519 " + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(blob, 20))), 400, "truncated or malformed"),
                Arguments.of(json("no-pty,command=\"/bin/true\" " + good), 400, "starts with options"),
                Arguments.of(json(rsa1024.publicLine()), 400, "RSA key of 1024 bits"),
                Arguments.of(json(privateKey), 400, "is a private key"),
                Arguments.of(json(mismatched), 400, "says 'ssh-rsa' but its key data is of type 'ssh-ed25519'"),
                Arguments.of(json(good + "\n" + good), 400, "single public key line"),
                Arguments.of(json("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY="), 400, "does not accept"),
                Arguments.of(jsonWithUser(good, "no-such-user-4711"), 400, "backend_user 'no-such-user-4711' does not exist"),
                Arguments.of("{\"proxy_pubkey\": \"" + good + "\", \"backend_user\": 7}", 400, "backend_user must be a string"),
                Arguments.of(jsonWithUser(good, ""), 400, "backend_user is empty"),
                Arguments.of("not json", 400, "not valid JSON"),
                Arguments.of("[1, 2]", 400, "must be a JSON object"),
                Arguments.of("{\"proxy_pubkey\": \"" + good + "\"", 400, "not valid JSON"),
                Arguments.of(json(good) + " x", 400, "not valid JSON"),
                Arguments.of(json(good) + " {}", 400, "Trailing token"),
                Arguments.of("{\"proxy_pubkey\": \"" + good + "\", \"proxy_pubkey\": \"" + good + "\"}", 400,
                        "Duplicate field 'proxy_pubkey'"),
                Arguments.of(json(good + " comment\0"), 400, "control character (0x00)"),
                Arguments.of("{\"proxy_pubkey\": \"" + "A".repeat(70_000) + "\"}", 413, "over the limit"));
    }

    private static String json(String key) {
        return DaemonProcess.JSON.createObjectNode().put("proxy_pubkey", key).toString();
    }

    private static String jsonWithUser(String key, String user) {
        return DaemonProcess.JSON.createObjectNode().put("proxy_pubkey", key).put("backend_user", user).toString();
    }

    @ParameterizedTest(name = "[{index}] {1} {2}")
    @MethodSource("badRequests")
    void badRequestIsRefusedAndChangesNothing(String body, int status, String error) throws Exception {
        JsonNode before = fx.daemon.status().body();
        DaemonProcess.Http r = fx.daemon.call("POST", "/api/v1/ssh/enable", body);
        assertEquals(status, r.status(), r.raw());
        assertTrue(r.body().get("error").asText().contains(error), r.raw());
        assertEquals(status == 413 ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST", r.body().get("code").asText(), r.raw());
        assertEquals(before, fx.daemon.status().body());
    }

    @Test
    void refusedRequestsLeaveTheEnabledKeyWorking() throws Exception {
        fx.daemon.call("POST", "/api/v1/ssh/enable", json("ssh-foo AAAA"));
        fx.daemon.call("POST", "/api/v1/ssh/enable", jsonWithUser(other.publicLine(), "no-such-user-4711"));
        assertEquals("ok\n", fx.ssh.run("echo ok").out());
        assertEquals(255, new OpenSsh(fx.ssh.port, fx.user, other).run("echo ok").exit());
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        String body = DaemonProcess.JSON.createObjectNode().put("proxy_pubkey", fx.key.publicLine())
                .put("backend_user", fx.user).put("future_field", true).toString();
        assertEquals(200, fx.daemon.call("POST", "/api/v1/ssh/enable", body).status());
    }

    @Test
    void everyCallNeedsTheBearerToken() throws Exception {
        for (String auth : new String[] {null, "Bearer wrong", "Basic Zm9vOmJhcg==", "Bearer " + fx.daemon.token() + "x"}) {
            for (String[] call : new String[][] {{"GET", "/api/v1/ssh"}, {"POST", "/api/v1/ssh/enable"}, {"POST", "/api/v1/ssh/disable"}}) {
                DaemonProcess.Http r = fx.daemon.call(call[0], call[1], json(other.publicLine()), auth);
                assertEquals(401, r.status(), call[1] + " with " + auth + ": " + r.raw());
                assertTrue(r.body().get("error").asText().contains("bearer token"), r.raw());
                assertEquals("UNAUTHORIZED", r.body().get("code").asText(), r.raw());
            }
        }
        // nothing of the routes without the token: a path that does not exist is a 401 too
        assertEquals(401, fx.daemon.call("GET", "/api/v1/nothing", null, null).status());
        assertEquals(401, fx.daemon.call("GET", "/api/v1/info", null, "Bearer wrong").status());
        assertTrue(fx.daemon.status().body().get("enabled").asBoolean());
        fx.daemon.awaitLogLine("refused api call", "/api/v1/ssh/disable", "wrong bearer token");
    }

    @Test
    void wrongMethodIs405() throws Exception {
        DaemonProcess.Http r = fx.daemon.call("GET", "/api/v1/ssh/enable", null);
        assertEquals(405, r.status(), r.raw());
        assertTrue(r.body().get("error").asText().contains("use POST"));
        assertEquals("METHOD_NOT_ALLOWED", r.body().get("code").asText(), r.raw());
        assertEquals(405, fx.daemon.call("DELETE", "/api/v1/ssh", null).status());
        assertEquals(405, fx.daemon.call("GET", "/api/v1/ssh/disable", null).status());
        DaemonProcess.Http none = fx.daemon.call("GET", "/api/v1/nothing", null);
        assertEquals(404, none.status());
        assertEquals("NOT_FOUND", none.body().get("code").asText(), none.raw());
    }

    @Test
    void concurrentEnablesAreSerialised() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<DaemonProcess.Http>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                ClientKey k = i % 2 == 0 ? fx.key : other;
                calls.add(pool.submit(() -> fx.daemon.enable(k.publicLine(), fx.user)));
            }
            String fingerprint = null;
            for (Future<DaemonProcess.Http> f : calls) {
                DaemonProcess.Http r = f.get();
                assertEquals(200, r.status(), r.raw());
                assertEquals(fx.daemon.pid, r.body().get("pid").asLong());
                if (fingerprint != null) {
                    assertEquals(fingerprint, r.body().get("host_key_fingerprint").asText());
                }
                fingerprint = r.body().get("host_key_fingerprint").asText();
            }
            // exactly one of the two keys is trusted afterwards
            boolean first = fx.ssh.run("true").exit() == 0;
            boolean second = new OpenSsh(fx.ssh.port, fx.user, other).run("true").exit() == 0;
            assertNotEquals(first, second);
        } finally {
            pool.shutdownNow();
            assertEquals(200, fx.daemon.enable(fx.key.publicLine(), fx.user).status());
        }
    }

    @Test
    void listenerThatCannotBindIs5xxAndStaysDisabled(@TempDir Path own) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DaemonProcess daemon = DaemonProcess.startWith(List.of(), own.resolve("state"), List.of("--api-listen",
                     "127.0.0.1:0", "--ssh-listen", "127.0.0.1:" + taken.getLocalPort(), "--state-dir",
                     own.resolve("state").toString()))) {
            DaemonProcess.Http r = daemon.enable(fx.key.publicLine(), fx.user);
            assertEquals(500, r.status(), r.raw());
            assertTrue(r.body().get("error").asText().contains("cannot listen for SSH on 127.0.0.1:" + taken.getLocalPort()), r.raw());
            assertEquals("OPERATION_FAILED", r.body().get("code").asText(), r.raw());
            JsonNode status = daemon.status().body();
            assertFalse(status.get("enabled").asBoolean());
            assertTrue(status.get("pid").isNull());
            assertTrue(status.get("host_key_fingerprint").isNull());
            assertFalse(Files.exists(own.resolve("state").resolve("ssh-enabled.json")));
        }
    }

    @Test
    void nonRootDaemonServesOnlyItsOwnUser(@TempDir Path own) throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        // the same jar, started as tl-user
        Path state = Files.createDirectories(own.resolve("state"));
        Process chown = new ProcessBuilder("chown", "-R", "tl-user:tl-user", own.toString()).start();
        assertEquals(0, chown.waitFor());
        Files.setPosixFilePermissions(own, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (DaemonProcess daemon = DaemonProcess.startWith(List.of("setpriv", "--reuid=tl-user", "--regid=tl-user",
                "--init-groups", "--"), state, List.of("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0",
                "--state-dir", state.toString()))) {
            DaemonProcess.Http r = daemon.enable(fx.key.publicLine(), "root");
            assertEquals(400, r.status(), r.raw());
            assertTrue(r.body().get("error").asText().contains("can only serve its own user"), r.raw());
            assertFalse(daemon.status().body().get("enabled").asBoolean());

            assertEquals(200, daemon.enable(fx.key.publicLine(), "tl-user").status());
            OpenSsh.Result id = new OpenSsh(daemon.sshPort(), "tl-user", fx.key).run("id -un");
            assertEquals("tl-user\n", id.out(), id.stderr());
        }
    }

    @Test
    void disableClosesListenerAndSessionsAndForgetsTheKey(@TempDir Path own) throws Exception {
        try (SshFixture mine = SshFixture.start(own)) {
            Process open = new ProcessBuilder(mine.ssh.sshArgs(List.of(), "echo started; exec sleep 600")).start();
            try {
                byte[] first = open.getInputStream().readNBytes("started\n".length());
                assertEquals("started\n", new String(first));
                DaemonProcess.Http r = mine.daemon.call("POST", "/api/v1/ssh/disable", "");
                assertEquals(200, r.status(), r.raw());
                assertFalse(r.body().get("enabled").asBoolean());
                assertTrue(open.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "session survived disable");
                OpenSsh.Result refused = mine.ssh.run("true");
                assertEquals(255, refused.exit());
                assertTrue(refused.stderr().contains("Connection refused"), refused.stderr());
                JsonNode status = mine.daemon.status().body();
                assertFalse(status.get("enabled").asBoolean());
                assertTrue(status.get("backend_user").isNull(), status.toString());
                assertFalse(Files.exists(own.resolve("state").resolve("ssh-enabled.json")));
            } finally {
                DaemonProcess.killTree(open.toHandle());
            }
        }
    }

}
