package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** PTY sessions over HTTP + WebSocket, driven by the JDK's WebSocket client against the real daemon. */
class PtySessionsIT {
    @TempDir
    static Path dir;
    static DaemonProcess daemon;
    /** Scratch files the PTY user can read and write. */
    static Path shared;

    @BeforeAll
    static void start() throws Exception {
        daemon = DaemonProcess.start(dir.resolve("state"));
        shared = Files.createTempDirectory(Path.of("/tmp"), "ptyit");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
        try (var files = Files.list(shared)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(shared);
    }

    record Session(String id, String token) {
    }

    static Session create(String command, String... args) throws Exception {
        ObjectNode body = DaemonProcess.JSON.createObjectNode().put("command", command);
        var array = body.putArray("args");
        for (String a : args) {
            array.add(a);
        }
        body.putObject("env").put("TERM", "xterm-256color").put("PS1", "$ ");
        DaemonProcess.Http r = daemon.call("POST", "/api/v1/pty", body.toString());
        assertEquals(200, r.status(), r.raw());
        return new Session(r.body().get("session_id").asText(), r.body().get("token").asText());
    }

    static Session bash() throws Exception {
        return create("/bin/bash", "--noprofile", "--norc");
    }

    static JsonNode get(Session s) throws Exception {
        DaemonProcess.Http r = daemon.call("GET", "/api/v1/pty/" + s.id(), null);
        assertEquals(200, r.status(), r.raw());
        return r.body();
    }

    @Test
    void roundTripResizeDetachReplayOnReattachAndExitCode() throws Exception {
        Session s = bash();
        Path marker = shared.resolve("detached-" + s.id());
        Path go = shared.resolve("go-" + s.id());
        try (PtyClient first = PtyClient.attach(daemon.api, s.id(), s.token())) {
            first.ready().type("printf 'hello %s\\n' pty\n");
            first.awaitText("hello pty");
            first.resize(120, 40).type("stty size\n");
            first.awaitText("40 120");
            // the output comes once the client is gone: the shell waits for the test's go file
            first.type("until [ -e " + go + " ]; do sleep 0.02; done; echo detached-$((6*7)); touch " + marker + "\n");
            first.awaitText("touch " + marker); // the echo of the command line, typed while attached
        }
        Await.until("the client to be gone", Duration.ofSeconds(20), () -> get(s).get("connected_clients").asInt() == 0);
        Files.createFile(go);
        Await.until("the output made while detached", Duration.ofSeconds(20), () -> Files.exists(marker));
        try (PtyClient second = PtyClient.attachWithQuery(daemon.api, s.id(), s.token())) {
            second.ready();
            String replay = second.awaitText("detached-42");
            assertFalse(replay.contains("hello pty"), "output already delivered is not replayed: " + replay);
            second.type("exit 7\n");
            PtyClient.Closed closed = second.awaitClose();
            assertEquals(7, second.exitCode(), "exit frame before the close");
            assertEquals(1000, closed.code());
            assertEquals("exit:7", closed.reason());
        }
        JsonNode after = get(s);
        assertFalse(after.get("running").asBoolean());
        assertEquals(7, after.get("exit_code").asInt());
        assertFalse(after.has("token"), "the token is never shown again");
    }

    @Test
    void listAndGetDescribeSessionsWithoutTokens() throws Exception {
        Session s = create("/bin/cat");
        DaemonProcess.Http list = daemon.call("GET", "/api/v1/pty", null);
        assertEquals(200, list.status());
        JsonNode mine = null;
        for (JsonNode n : list.body().get("sessions")) {
            assertFalse(n.has("token"));
            if (n.get("session_id").asText().equals(s.id())) {
                mine = n;
            }
        }
        assertNotNull(mine, list.raw());
        assertEquals("/bin/cat", mine.get("command").asText());
        assertEquals(24, mine.get("rows").asInt());
        assertEquals(80, mine.get("cols").asInt());
        assertTrue(mine.get("running").asBoolean());
        assertTrue(ProcessHandle.of(mine.get("pid").asLong()).isPresent());
        DaemonProcess.Http resized = daemon.call("POST", "/api/v1/pty/" + s.id() + "/resize", "{\"rows\": 50, \"cols\": 132}");
        assertEquals(200, resized.status(), resized.raw());
        assertEquals(50, get(s).get("rows").asInt());
        assertEquals(200, daemon.call("DELETE", "/api/v1/pty/" + s.id(), null).status());
    }

    @Test
    void killClosesSocketsWithSessionTerminatedAndEndsTheProcessGroup() throws Exception {
        Session s = bash();
        long pid = get(s).get("pid").asLong();
        try (PtyClient a = PtyClient.attach(daemon.api, s.id(), s.token());
             PtyClient b = PtyClient.attach(daemon.api, s.id(), s.token())) {
            // the server registers a client just after the handshake the client has seen: output made before that
            // is not the client's (attach), so b could miss the job's pid when the machine is busy
            Await.until("both clients attached", Duration.ofSeconds(20), () -> get(s).get("connected_clients").asInt() == 2);
            a.ready();
            b.ready();
            a.type("sleep 1000 & echo child=$!=\n");
            java.util.regex.Pattern childPid = java.util.regex.Pattern.compile("child=(\\d+)=");
            Await.until("the job's pid", Duration.ofSeconds(20), () -> childPid.matcher(b.text()).find());
            java.util.regex.Matcher m = childPid.matcher(b.text());
            assertTrue(m.find());
            long child = Long.parseLong(m.group(1));
            DaemonProcess.Http killed = daemon.call("DELETE", "/api/v1/pty/" + s.id(), null);
            assertEquals(200, killed.status(), killed.raw());
            assertEquals("session terminated", a.awaitClose().reason());
            assertEquals("session terminated", b.awaitClose().reason());
            Await.until("the shell and its job to end", Duration.ofSeconds(20),
                    () -> ProcessHandle.of(pid).isEmpty() && ProcessHandle.of(child).isEmpty());
        }
        assertEquals(404, daemon.call("GET", "/api/v1/pty/" + s.id(), null).status());
        assertEquals(404, daemon.call("DELETE", "/api/v1/pty/" + s.id(), null).status());
    }

    @Test
    void attachNeedsTheSessionTokenAndSaysSoBeforeTheUpgrade() throws Exception {
        Session s = create("/bin/cat");
        assertEquals(401, handshakeStatus(() -> PtyClient.attach(daemon.api, s.id(), "wrong")));
        assertEquals(401, handshakeStatus(() -> PtyClient.attach(daemon.api, "no-such-session", s.token())));
        assertEquals(401, handshakeStatus(() -> PtyClient.attachWithQuery(daemon.api, s.id(), "")));
        daemon.awaitLogLine("refused pty attach", "session=" + s.id(), "wrong token");
        // Raw handshake: a foreign Host, a stray Authorization header, both token forms, permessage-deflate offered.
        String response = rawHandshake("/api/v1/pty/" + s.id() + "/ws?token=" + s.token(),
                "Host: sandbox.example.com\r\nAuthorization: Bearer not-the-api-token\r\nX-PTY-Token: " + s.token()
                        + "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
        assertTrue(response.startsWith("HTTP/1.1 101"), response);
        assertTrue(response.toLowerCase().contains("sec-websocket-extensions: permessage-deflate"), response);
        String refused = rawHandshake("/api/v1/pty/no-such/ws", "Host: x\r\nX-PTY-Token: " + s.token() + "\r\n");
        assertTrue(refused.startsWith("HTTP/1.1 401"), refused);
        assertTrue(refused.contains("{\"error\":"), refused);
        assertTrue(refused.contains("\"code\":\"INVALID_TOKEN\"}"), "Tensorlake's code for a wrong PTY token: " + refused);
        String wrong = rawHandshake("/api/v1/pty/" + s.id() + "/ws", "Host: x\r\nX-PTY-Token: wrong\r\n");
        assertTrue(wrong.startsWith("HTTP/1.1 401") && wrong.contains("\"code\":\"INVALID_TOKEN\""), wrong);
        DaemonProcess.Http missing = daemon.call("GET", "/api/v1/pty/no-such-session", null);
        assertEquals(404, missing.status());
        assertEquals("NOT_FOUND", missing.body().get("code").asText(), missing.raw());
        assertEquals(401, daemon.call("GET", "/api/v1/pty", null, null).status(), "the REST endpoints need the bearer token");
        daemon.call("DELETE", "/api/v1/pty/" + s.id(), null);
    }

    @Test
    void badCreateRequestsAreRefusedWithTheFieldNamed() throws Exception {
        Path notExecutable = Files.writeString(shared.resolve("not-executable.sh"), "echo hi\n");
        String[][] cases = {
            {"{\"args\": []}", "command is required"},
            {"not json", "not valid JSON"},
            {"{\"command\": \"/bin/true\"} {}", "Trailing token"},
            {"{\"command\": \"/bin/true\", \"command\": \"/bin/sh\"}", "Duplicate field 'command'"},
            {"{\"command\": 5}", "command must be"},
            {"{\"command\": \"/bin/sh\", \"rows\": 0}", "rows must be between 1 and 10000"},
            {"{\"command\": \"/bin/sh\", \"cols\": 10001}", "cols must be between 1 and 10000"},
            {"{\"command\": \"/bin/sh\", \"rows\": \"24\"}", "rows must be an integer"},
            {"{\"command\": \"/bin/sh\", \"args\": \"-l\"}", "args must be an array"},
            {"{\"command\": \"/bin/sh\", \"args\": [1]}", "args[0] must be a string"},
            {"{\"command\": \"/bin/sh\", \"env\": {\"A\": 1}}", "env.A must be a string"},
            {"{\"command\": \"/no/such/program\"}", "command /no/such/program: No such file or directory"},
            {"{\"command\": \"no-such-program-anywhere\"}", "command not found"},
            {"{\"command\": \"" + notExecutable + "\"}", "command " + notExecutable + ": Permission denied"},
            {"{\"command\": \"/bin/sh\", \"working_dir\": \"/no/such/dir\"}", "working_dir /no/such/dir: No such file or directory"},
            // a C string ends at a NUL: this ran /bin/sleep, and a NUL in a path or bare name was a 500 (the fuzz test's find)
            {"{\"command\": \"/bin/sleep\\u0000x\", \"args\": [\"30\"]}", "command contains a NUL character"},
            {"{\"command\": \"sleep\\u0000x\"}", "command contains a NUL character"},
            {"{\"command\": \"/bin/sh\", \"args\": [\"-c\\u0000\"]}", "args[0] contains a NUL character"},
            {"{\"command\": \"/bin/sh\", \"env\": {\"A\": \"\\u0000\"}}", "env.A contains a NUL character"},
            {"{\"command\": \"/bin/sh\", \"working_dir\": \"/tmp\\u0000x\"}", "working_dir contains a NUL character"},
        };
        int before = daemon.call("GET", "/api/v1/pty", null).body().get("sessions").size();
        for (String[] c : cases) {
            DaemonProcess.Http r = daemon.call("POST", "/api/v1/pty", c[0]);
            assertEquals(400, r.status(), c[0] + " -> " + r.raw());
            assertTrue(r.body().get("error").asText().contains(c[1]), c[0] + " -> " + r.raw());
            assertEquals("INVALID_REQUEST", r.body().get("code").asText(), c[0] + " -> " + r.raw());
        }
        assertEquals(before, daemon.call("GET", "/api/v1/pty", null).body().get("sessions").size(), "nothing was created");
        Session s = create("/bin/cat");
        assertEquals(400, daemon.call("POST", "/api/v1/pty/" + s.id() + "/resize", "{\"rows\": 0, \"cols\": 80}").status());
        assertEquals(24, get(s).get("rows").asInt(), "a refused resize changes nothing");
        daemon.call("DELETE", "/api/v1/pty/" + s.id(), null);
    }

    @Test
    void pastTheSessionCapCreateIs429AndNothingStarts() throws Exception {
        try (DaemonProcess capped = DaemonProcess.start(dir.resolve("capped"), "--max-pty-sessions", "2")) {
            String cat = "{\"command\": \"/bin/cat\"}";
            String first = capped.call("POST", "/api/v1/pty", cat).body().get("session_id").asText();
            assertEquals(200, capped.call("POST", "/api/v1/pty", cat).status());
            DaemonProcess.Http third = capped.call("POST", "/api/v1/pty", cat);
            assertEquals(429, third.status(), third.raw());
            assertEquals("too many PTY sessions (2); delete one first", third.body().get("error").asText());
            assertEquals("TOO_MANY_SESSIONS", third.body().get("code").asText(), "Tensorlake's code: " + third.raw());
            capped.awaitLogLine("refused pty session: command=/bin/cat");
            assertEquals(2, capped.call("GET", "/api/v1/pty", null).body().get("sessions").size());
            assertEquals(200, capped.call("DELETE", "/api/v1/pty/" + first, null).status());
            assertEquals(200, capped.call("POST", "/api/v1/pty", cat).status());
        }
    }

    @Test
    void malformedFramesCloseOnlyThatSocket() throws Exception {
        Session s = bash();
        try (PtyClient good = PtyClient.attach(daemon.api, s.id(), s.token())) {
            good.ready();
            byte[][] bad = {{}, {0x07}, {0x01, 0x00, 0x50}};
            for (byte[] frame : bad) {
                try (PtyClient broken = PtyClient.attach(daemon.api, s.id(), s.token())) {
                    broken.send(frame);
                    assertEquals(1008, broken.awaitClose().code(), "frame of " + frame.length + " bytes");
                }
            }
            try (PtyClient texting = PtyClient.attach(daemon.api, s.id(), s.token())) {
                texting.socket.sendText("ls\n", true).join();
                PtyClient.Closed closed = texting.awaitClose();
                assertEquals(1008, closed.code());
                assertTrue(closed.reason().contains("text"), closed.reason());
            }
            try (PtyClient other = PtyClient.attach(daemon.api, s.id(), s.token())) {
                other.ready().type("echo still-$((40+2))\n");
                good.awaitText("still-42"); // input from one client, output to all
                other.awaitText("still-42");
            }
        }
        daemon.call("DELETE", "/api/v1/pty/" + s.id(), null);
    }

    @Test
    void aClientAttachingAfterTheExitGetsOutputThenExitThenClose() throws Exception {
        Session s = create("/bin/sh", "-c", "printf late-output; exit 3");
        Await.until("the process to exit", Duration.ofSeconds(20), () -> !get(s).get("running").asBoolean());
        try (PtyClient late = PtyClient.attach(daemon.api, s.id(), s.token())) {
            late.ready();
            PtyClient.Closed closed = late.awaitClose();
            assertEquals("late-output", late.text());
            assertEquals(3, late.exitCode());
            assertEquals("exit:3", closed.reason());
        }
    }

    @Test
    void twentySessionsAtOnce() throws Exception {
        List<Session> sessions = new ArrayList<>();
        List<PtyClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                sessions.add(bash());
            }
            for (Session s : sessions) {
                clients.add(PtyClient.attach(daemon.api, s.id(), s.token()).ready());
            }
            for (int i = 0; i < 20; i++) {
                clients.get(i).type("echo session-$((" + i + "+1000)); exit " + i + "\n");
            }
            for (int i = 0; i < 20; i++) {
                PtyClient.Closed closed = clients.get(i).awaitClose();
                assertTrue(clients.get(i).text().contains("session-" + (i + 1000)), clients.get(i).text());
                assertEquals("exit:" + i, closed.reason());
            }
        } finally {
            clients.forEach(PtyClient::close);
        }
    }

    @Test
    void fiftyMegabytesOfOutputArriveCompleteAndInOrder() throws Exception {
        byte[] data = new byte[50 << 20];
        new Random(50).nextBytes(data);
        Path file = shared.resolve("fifty.bin");
        Files.write(file, data);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        // Raw mode: the terminal passes bytes through untouched (no \n -> \r\n, no echo). The cat waits for a
        // keystroke, so nothing is printed before the client is READY (the ring would keep only the last 2 MiB);
        // the keystroke waits for "R", printed once echo is off (typed earlier, the terminal echoed it).
        Session s = create("/bin/sh", "-c", "stty raw -echo; printf R; head -c 1 >/dev/null; cat " + file);
        try (PtyClient client = PtyClient.attach(daemon.api, s.id(), s.token())) {
            client.ready().awaitText("R");
            client.type("g");
            PtyClient.Closed closed = client.awaitClose();
            assertEquals("exit:0", closed.reason());
            byte[] got = client.bytes();
            assertEquals(1 + data.length, got.length);
            assertEquals('R', got[0]);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(got, 1, data.length);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), sha.digest());
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aClientThatDoesNotReadIsDroppedWithoutStallingTheProcessAndCanReattachForTheTail() throws Exception {
        Session s = create("/bin/sh", "-c", "stty raw -echo; seq 1 3000000");
        try (PtyClient slow = PtyClient.attachNotReading(daemon.api, s.id(), s.token())) {
            slow.ready();
            daemon.awaitLogLine("pty session " + s.id() + ": disconnecting client", "bytes of output unsent");
            Await.until("the process to finish regardless", Duration.ofSeconds(60), () -> !get(s).get("running").asBoolean());
        }
        try (PtyClient again = PtyClient.attach(daemon.api, s.id(), s.token())) {
            again.ready();
            PtyClient.Closed closed = again.awaitClose();
            assertEquals("exit:0", closed.reason());
            String tail = again.text();
            assertTrue(tail.endsWith("\n2999999\n3000000\n"), "the buffered tail: ..." + tail.substring(Math.max(0, tail.length() - 80)));
            assertTrue(tail.length() <= 2 << 20, "at most the ring: " + tail.length());
        }
    }

    private interface Attach {
        PtyClient open() throws Exception;
    }

    private static int handshakeStatus(Attach attach) throws Exception {
        try (PtyClient unexpected = attach.open()) {
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    /** An upgrade request written by hand, for headers the JDK client will not send; returns the response head. */
    private static String rawHandshake(String path, String headers) throws Exception {
        int port = Integer.parseInt(daemon.api.substring(daemon.api.lastIndexOf(':') + 1));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\n" + headers + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                head.append((char) c);
            }
            if (head.toString().startsWith("HTTP/1.1 401")) {
                byte[] body = new byte[200];
                int n = in.read(body);
                head.append(new String(body, 0, Math.max(n, 0), StandardCharsets.UTF_8));
            }
            return head.toString();
        }
    }
}
