// PTY API benchmark: keystroke round trip (input frame -> echoed output frame) and bulk output through the
// WebSocket, with the JDK's own HTTP and WebSocket clients. Run: java bench/PtyBench.java HOST:PORT TOKEN_FILE [N] [MB]
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class PtyBench {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        String api = args[0];
        String token = Files.readString(Path.of(args[1])).strip();
        int keystrokes = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        long megabytes = args.length > 3 ? Long.parseLong(args[3]) : 256;

        // Keystrokes: a raw-mode cat echoes each byte back, as a shell's line editor would.
        Session cat = create(api, token, "stty raw -echo; cat");
        long[] rtt = new long[keystrokes];
        try (Client c = new Client(api, cat)) {
            c.send(new byte[] {2});
            for (int i = 0; i < 500; i++) { // warm-up: both JITs settle before measuring
                c.send(new byte[] {0, 'w'});
                c.awaitBytes(1);
            }
            for (int i = 0; i < keystrokes; i++) {
                long t0 = System.nanoTime();
                c.send(new byte[] {0, (byte) ('a' + i % 26)});
                c.awaitBytes(1);
                rtt[i] = System.nanoTime() - t0;
            }
        }
        kill(api, token, cat);
        Arrays.sort(rtt);
        System.out.printf("pty keystroke round trip: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d keystrokes)%n",
                rtt[keystrokes / 2] / 1e6, rtt[(int) (keystrokes * 0.99)] / 1e6, rtt[keystrokes - 1] / 1e6, keystrokes);

        // Bulk: megabytes of output through the socket, counted at the client. The output starts on a keystroke,
        // typed once the terminal is raw (the R): output made before anyone attached would only be kept up to the
        // ring's 2 MiB.
        // A client more than 8 MiB behind is closed by the daemon (1013, by contract); on a loaded 2-vCPU machine
        // this client can be: say so and try again, at most three times, instead of waiting for output that
        // will not come.
        long bytes = megabytes << 20;
        for (int attempt = 1; attempt <= 3; attempt++) {
            Session bulk = create(api, token, "stty raw -echo; printf R; head -c 1 >/dev/null; head -c " + bytes + " /dev/zero");
            try (Client c = new Client(api, bulk)) {
                c.send(new byte[] {2});
                c.awaitBytes(1);
                long t0 = System.nanoTime();
                c.send(new byte[] {0, 'g'});
                c.awaitBytes(bytes);
                long ns = System.nanoTime() - t0;
                System.out.printf("pty bulk output: %.1f MB/s (%d MiB, 10^6 B/s)%n", bytes / (ns / 1e9) / 1e6, megabytes);
                return;
            } catch (Closed e) {
                System.out.printf("pty bulk output: attempt %d closed by the daemon after %d of %d MiB (%s)%n",
                        attempt, (bytes - e.missing) >> 20, megabytes, e.getMessage());
            } finally {
                kill(api, token, bulk);
            }
        }
    }

    /** The daemon closed the socket while output was still expected. */
    static final class Closed extends Exception {
        final long missing;

        Closed(String why, long missing) {
            super(why);
            this.missing = missing;
        }
    }

    record Session(String id, String token) {
    }

    static Session create(String api, String token, String script) throws Exception {
        String body = "{\"command\": \"/bin/sh\", \"args\": [\"-c\", \"" + script + "\"]}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + api + "/api/v1/pty"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher id = Pattern.compile("\"session_id\":\"([^\"]+)\"").matcher(r.body());
        Matcher tk = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(r.body());
        if (r.statusCode() != 200 || !id.find() || !tk.find()) {
            throw new IllegalStateException("create failed: " + r.statusCode() + " " + r.body());
        }
        return new Session(id.group(1), tk.group(1));
    }

    static void kill(String api, String token, Session s) throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create("http://" + api + "/api/v1/pty/" + s.id()))
                .header("Authorization", "Bearer " + token).DELETE().build(), HttpResponse.BodyHandlers.discarding());
    }

    static final class Client implements AutoCloseable {
        final WebSocket ws;
        /** Byte counts of output frames; a negative one marks the close. */
        final LinkedBlockingQueue<Long> received = new LinkedBlockingQueue<>();
        volatile String closedBy;

        Client(String api, Session s) throws Exception {
            ws = HTTP.newWebSocketBuilder().header("X-PTY-Token", s.token())
                    .buildAsync(URI.create("ws://" + api + "/api/v1/pty/" + s.id() + "/ws"), new WebSocket.Listener() {
                        boolean first = true;
                        boolean output;

                        @Override
                        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                            long n = data.remaining();
                            if (first && n > 0) {
                                output = data.get(0) == 0;
                                first = false;
                                n--; // the opcode
                            }
                            if (output && n > 0) {
                                received.add(n);
                            }
                            if (last) {
                                first = true;
                            }
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                            closedBy = "close " + code + " " + reason;
                            received.add(-1L);
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
        }

        void send(byte[] frame) {
            ws.sendBinary(ByteBuffer.wrap(frame), true).join();
        }

        void awaitBytes(long n) throws InterruptedException, Closed {
            while (n > 0) {
                Long got = received.poll(60, TimeUnit.SECONDS);
                if (got == null) {
                    throw new IllegalStateException("no output for 60 s");
                }
                if (got < 0) {
                    throw new Closed(closedBy, n);
                }
                n -= got;
            }
        }

        @Override
        public void close() {
            CompletableFuture<WebSocket> f = ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            try {
                f.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                ws.abort();
            }
        }
    }
}
