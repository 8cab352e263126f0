package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One scripted day of a sandbox (a shell, an exec, an sftp put and rm, a direct-tcpip forward, a refused key) and
 * what an operator sees of it: Prometheus's own {@code promtool check metrics} accepts {@code GET /metrics}, every
 * counter moves by exactly what the script predicts, and the audit trail, every line of which {@code jq} parses, is
 * exactly the expected list of events per connection.
 */
class MetricsAndAuditIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SshFixture fx;
    static Path audit;

    @BeforeAll
    static void start() throws Exception {
        audit = dir.resolve("audit.jsonl");
        fx = SshFixture.start(dir, "--audit-log", audit.toString());
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void metricsNeedTheBearerToken() throws Exception {
        DaemonProcess.Http none = fx.daemon.call("GET", "/metrics", null, null);
        assertEquals(401, none.status(), none.raw());
        DaemonProcess.Http wrong = fx.daemon.call("GET", "/metrics", null, "Bearer nope");
        assertEquals(401, wrong.status(), wrong.raw());
        assertEquals(405, fx.daemon.call("POST", "/metrics", "{}").status());
    }

    @Test
    void aPtyApiSessionIsCountedAndAudited() throws Exception {
        Map<String, Double> start = parse(scrape());
        long before = Files.exists(audit) ? Files.readAllLines(audit).size() : 0;
        DaemonProcess.Http created = fx.daemon.call("POST", "/api/v1/pty", "{\"command\": \"/bin/sh\"}");
        assertEquals(200, created.status(), created.raw());
        String id = created.body().path("session_id").asText();
        try (PtyClient client = PtyClient.attach(fx.daemon.api, id, created.body().path("token").asText())) {
            assertTrue(client != null);
        }
        assertEquals(200, fx.daemon.call("DELETE", "/api/v1/pty/" + id, null).status());
        Map<String, Double> delta = delta(start, parse(scrape()));
        assertEquals(1.0, delta.get("sandbox_sshd_sessions_total{kind=\"pty_api\",pty=\"true\"}"), delta.toString());
        List<String> events = Await.value("the kill in the audit trail", Duration.ofSeconds(20), () -> {
            List<String> all = Files.readAllLines(audit);
            List<String> ours = all.subList((int) before, all.size()).stream().filter(l -> l.contains(id)).toList();
            return ours.stream().anyMatch(l -> l.contains("\"pty_kill\"")) ? ours : null;
        });
        List<String> kinds = new ArrayList<>();
        for (String line : events) {
            JsonNode e = JSON.readTree(line);
            kinds.add(e.path("event").asText() + (e.has("reason") ? " " + e.path("reason").asText() : ""));
        }
        assertEquals(List.of("pty_create", "pty_attach", "pty_kill DELETE"), kinds, String.join("\n", events));
        assertTrue(events.get(0).contains("\"command\":\"/bin/sh\""), events.get(0));
    }

    @Test
    void legacyScpFilesAreAudited() throws Exception {
        long before = Files.exists(audit) ? Files.readAllLines(audit).size() : 0;
        Path local = dir.resolve("scp.bin");
        Files.write(local, new byte[777]);
        String remote = "scp-audit-" + ProcessHandle.current().pid() + ".bin";
        OpenSsh.Result put = fx.ssh.scp(List.of("-O"), local.toString(), ":" + remote);
        assertEquals(0, put.exit(), put.stderr());
        OpenSsh.Result get = fx.ssh.scp(List.of("-O"), ":" + remote, dir.resolve("back.bin").toString());
        assertEquals(0, get.exit(), get.stderr());
        assertEquals(0, fx.ssh.run("rm " + remote).exit());
        List<String> scp = Await.value("both scp events", Duration.ofSeconds(20), () -> {
            List<String> all = Files.readAllLines(audit);
            List<String> ours = all.subList((int) before, all.size()).stream()
                    .filter(l -> l.contains("\"event\":\"scp\"")).toList();
            return ours.size() >= 2 ? ours : null;
        });
        List<String> got = new ArrayList<>();
        for (String line : scp) {
            JsonNode e = JSON.readTree(line);
            assertTrue(e.path("path").asText().endsWith("/" + remote), line);
            got.add(e.path("op").asText() + " " + e.path("bytes").asLong() + " " + e.path("result").asText());
        }
        assertEquals(List.of("write 777 ok", "read 777 ok"), got);
    }

    @Test
    void aScriptedSessionMovesTheCountersAndWritesTheExpectedAudit() throws Exception {
        String before = scrape();
        promtoolAccepts(before);
        Map<String, Double> start = parse(before);
        long auditLinesBefore = Files.exists(audit) ? Files.readAllLines(audit).size() : 0;

        // 1. a shell without a terminal, fed on stdin
        OpenSsh.Result shell = fx.ssh.run(List.of(), "echo shell\nexit 3\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(3, shell.exit(), shell.stderr());
        // 2. an exec
        OpenSsh.Result exec = fx.ssh.run("echo hi");
        assertEquals("hi\n", exec.out(), exec.stderr());
        // 3. sftp put and rm of a 1000-byte file
        Path local = dir.resolve("put.bin");
        Files.write(local, new byte[1000]);
        String remote = "metrics-audit-" + ProcessHandle.current().pid() + ".bin";
        OpenSsh.Result sftp = fx.ssh.sftp("put " + local + " " + remote + "\nrm " + remote + "\n");
        assertEquals(0, sftp.exit(), sftp.stderr());
        // 4. a direct-tcpip channel (what -L opens for each connection; -W opens one at once): 5 bytes there, 2 back
        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> serveOnce(target));
            OpenSsh.Result forward = fx.ssh.run(List.of("-W", "127.0.0.1:" + target.getLocalPort()),
                    "hello".getBytes(StandardCharsets.UTF_8));
            assertEquals("ok", forward.out(), forward.stderr());
            assertEquals("hello", served.get());
        }
        // 5. a key that is not the enabled one
        ClientKey other = ClientKey.ed25519(dir.resolve("other"), "other");
        OpenSsh.Result refused = new OpenSsh(fx.ssh.port, fx.user, other).run("true");
        assertNotEquals(0, refused.exit());

        Await.until("no connection open", Duration.ofSeconds(20),
                () -> parse(scrape()).get("sandbox_sshd_connections_active") == 0.0);
        String after = scrape();
        promtoolAccepts(after);
        Map<String, Double> delta = delta(start, parse(after));

        Map<String, Double> want = new TreeMap<>();
        want.put("sandbox_sshd_connections_total", 5.0);
        want.put("sandbox_sshd_authentications_total{result=\"success\"}", 4.0);
        want.put("sandbox_sshd_authentications_total{result=\"failure\"}", 1.0);
        want.put("sandbox_sshd_sessions_total{kind=\"shell\",pty=\"false\"}", 1.0);
        want.put("sandbox_sshd_sessions_total{kind=\"exec\",pty=\"false\"}", 1.0);
        want.put("sandbox_sshd_sessions_total{kind=\"subsystem\",pty=\"false\"}", 1.0);
        want.put("sandbox_sshd_forwards_total{kind=\"direct-tcpip\"}", 1.0);
        want.put("sandbox_sshd_sftp_operations_total{operation=\"open\"}", 1.0);
        want.put("sandbox_sshd_sftp_operations_total{operation=\"write\"}", 1.0);
        want.put("sandbox_sshd_sftp_operations_total{operation=\"close\"}", 1.0);
        want.put("sandbox_sshd_sftp_operations_total{operation=\"remove\"}", 1.0);
        want.put("sandbox_sshd_channel_received_bytes_total{kind=\"shell\"}", 18.0);
        want.put("sandbox_sshd_channel_received_bytes_total{kind=\"direct-tcpip\"}", 5.0);
        want.put("sandbox_sshd_channel_sent_bytes_total{kind=\"direct-tcpip\"}", 2.0);
        want.put("sandbox_sshd_channel_sent_bytes_total{kind=\"exec\"}", 3.0);
        // what the sftp protocol itself moved: at least the file, and some replies
        double sftpIn = delta.remove("sandbox_sshd_channel_received_bytes_total{kind=\"subsystem\"}");
        double sftpOut = delta.remove("sandbox_sshd_channel_sent_bytes_total{kind=\"subsystem\"}");
        assertTrue(sftpIn > 1000 && sftpOut > 0, sftpIn + " " + sftpOut);
        // a login shell may print what its profile says; at least "shell\n"
        double shellOut = delta.remove("sandbox_sshd_channel_sent_bytes_total{kind=\"shell\"}");
        assertTrue(shellOut >= 6, "shell out " + shellOut);
        // the process's own numbers move however they like
        delta.keySet().removeIf(k -> k.startsWith("process_") || k.startsWith("jvm_"));
        assertEquals(want, delta);

        // the audit trail: jq parses every line; the events per connection are exactly these
        List<String> lines = Await.value("the five disconnects in the audit trail", Duration.ofSeconds(20), () -> {
            List<String> all = Files.readAllLines(audit);
            List<String> ours = all.subList((int) auditLinesBefore, all.size());
            return ours.stream().filter(l -> l.contains("\"event\":\"disconnect\"")).count() >= 5 ? ours : null;
        });
        jqParses(audit);
        Map<String, List<String>> byConnection = new LinkedHashMap<>();
        Map<String, List<JsonNode>> events = new LinkedHashMap<>();
        for (String line : lines) {
            JsonNode e = JSON.readTree(line);
            String conn = e.path("conn").asText();
            byConnection.computeIfAbsent(conn, k -> new ArrayList<>()).add(summary(e));
            events.computeIfAbsent(conn, k -> new ArrayList<>()).add(e);
        }
        List<List<String>> want2 = List.of(
                List.of("auth success", "session_start shell", "session_end shell exit=3", "disconnect"),
                List.of("auth success", "session_start exec echo hi", "session_end exec exit=0", "disconnect"),
                List.of("auth success", "session_start subsystem sftp", "sftp open ok", "sftp close ok w=1000",
                        "sftp remove ok", "session_end subsystem exit=0", "disconnect"),
                List.of("auth success", "forward_open direct-tcpip", "forward_close direct-tcpip in=5 out=2",
                        "disconnect"),
                List.of("auth failure", "disconnect"));
        assertEquals(want2, new ArrayList<>(byConnection.values()), String.join("\n", lines));
        for (List<JsonNode> connection : events.values()) {
            for (JsonNode e : connection) {
                assertTrue(e.path("ts").asText().endsWith("Z"), e.toString());
                if (e.path("event").asText().equals("auth")) {
                    assertTrue(e.path("key").asText().startsWith("ssh-ed25519 SHA256:"), e.toString());
                    assertTrue(e.path("client").asText().startsWith("127.0.0.1:"), e.toString());
                    assertEquals(fx.user, e.path("user").asText(), e.toString());
                }
            }
        }
        JsonNode remove = events.values().stream().flatMap(List::stream)
                .filter(e -> e.path("op").asText().equals("remove")).findFirst().orElseThrow();
        assertTrue(remove.path("path").asText().endsWith("/" + remote), remove.toString());
    }

    /** A short form of an event, what the expected list names. */
    private static String summary(JsonNode e) {
        String event = e.path("event").asText();
        return switch (event) {
            case "auth" -> "auth " + e.path("result").asText();
            case "session_start" -> ("session_start " + e.path("kind").asText() + " "
                    + e.path("command").asText("")).strip();
            case "session_end" -> "session_end " + e.path("kind").asText() + " exit=" + e.path("exit_status").asText();
            case "sftp" -> "sftp " + e.path("op").asText() + " " + e.path("result").asText()
                    + (e.has("bytes_written") && e.path("bytes_written").asLong() > 0
                        ? " w=" + e.path("bytes_written").asLong() : "");
            case "forward_open" -> "forward_open " + e.path("kind").asText();
            case "forward_close" -> "forward_close " + e.path("kind").asText() + " in=" + e.path("bytes_in").asLong()
                    + " out=" + e.path("bytes_out").asLong();
            default -> event;
        };
    }

    private static String serveOnce(ServerSocket target) {
        try (Socket s = target.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            String got = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            out.write("ok".getBytes(StandardCharsets.UTF_8));
            return got;
        } catch (IOException e) {
            return "failed: " + e;
        }
    }

    private static String scrape() throws Exception {
        DaemonProcess.Http r = fx.daemon.call("GET", "/metrics", null);
        assertEquals(200, r.status(), r.raw());
        return r.raw();
    }

    private static void promtoolAccepts(String metrics) throws Exception {
        OpenSsh.Result r = OpenSsh.exec(List.of("promtool", "check", "metrics"), metrics.getBytes(StandardCharsets.UTF_8), null);
        assertEquals(0, r.exit(), "promtool: " + r.out() + r.stderr());
    }

    private static void jqParses(Path file) throws Exception {
        OpenSsh.Result r = OpenSsh.exec(List.of("jq", "-e", "-c", "select(.event and .ts) | .event", file.toString()), null, null);
        assertEquals(0, r.exit(), "jq: " + r.stderr());
        assertEquals(Files.readAllLines(file).size(), r.out().split("\n").length, r.out());
    }

    /** Sample lines of the text format: {@code name{labels} value}, comments left out. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    /** The samples that changed, by how much. */
    private static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> changed = new TreeMap<>();
        after.forEach((k, v) -> {
            double d = v - before.getOrDefault(k, 0.0);
            if (d != 0) {
                changed.put(k, d);
            }
        });
        return changed;
    }
}
