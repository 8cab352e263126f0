// PTY API soak client (bench/soak.sh): WORKERS threads, each until the deadline creates a PTY session that hashes
// what is typed into it, types random bytes, checks the hash and the exit frame, and deletes the session.
// Run: java bench/SoakPty.java HOST:PORT TOKEN_FILE WORKERS SECONDS [BYTES]
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class SoakPty {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final AtomicLong OK = new AtomicLong();
    static final AtomicLong FAILED = new AtomicLong();
    static final Pattern CREATED = Pattern.compile("\"session_id\":\"([^\"]+)\",\"token\":\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        String api = args[0];
        String token = Files.readString(Path.of(args[1])).strip();
        int workers = Integer.parseInt(args[2]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        int bytes = args.length > 4 ? Integer.parseInt(args[4]) : 65536;
        Thread[] threads = new Thread[workers];
        for (int w = 0; w < workers; w++) {
            int id = w;
            threads[w] = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        once(api, token, bytes);
                        OK.incrementAndGet();
                    } catch (Exception e) {
                        FAILED.incrementAndGet();
                        System.out.println("pty worker " + id + " FAILED: " + e);
                    }
                }
            });
            threads[w].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("pty " + OK.get() + " ok " + FAILED.get() + " failed");
        System.exit(FAILED.get() == 0 ? 0 : 1);
    }

    static void once(String api, String token, int bytes) throws Exception {
        byte[] data = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(data);
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        String[] session = create(api, token,
                "stty raw -echo; printf R; head -c " + bytes + " | sha256sum; exit 3");
        try {
            Client c = new Client(api, session[0], session[1]);
            try {
                c.send(new byte[] {2});
                c.await("R");
                for (int off = 0; off < bytes; off += 4096) {
                    int n = Math.min(4096, bytes - off);
                    byte[] frame = new byte[n + 1];
                    System.arraycopy(data, off, frame, 1, n);
                    c.send(frame);
                }
                c.await(want);
                c.exit.get(60, TimeUnit.SECONDS);
                if (c.exit.get() != 3) {
                    throw new IllegalStateException("exit code " + c.exit.get() + ", expected 3");
                }
            } finally {
                c.close();
            }
        } finally {
            HTTP.send(HttpRequest.newBuilder(URI.create("http://" + api + "/api/v1/pty/" + session[0]))
                    .header("Authorization", "Bearer " + token).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    /** The new session's id and token. */
    static String[] create(String api, String token, String script) throws Exception {
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://" + api + "/api/v1/pty"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\": \"/bin/sh\", \"args\": [\"-c\", \"" + script + "\"]}"))
                .build();
        String reply = HTTP.send(post, HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = CREATED.matcher(reply);
        if (!m.find()) {
            throw new IllegalStateException("create failed: " + reply);
        }
        return new String[] {m.group(1), m.group(2)};
    }

    /** One attached socket: output collected as text, the exit frame's code completed. */
    static final class Client {
        final WebSocket ws;
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

        Client(String api, String id, String token) throws Exception {
            ws = HTTP.newWebSocketBuilder().header("X-PTY-Token", token)
                    .buildAsync(URI.create("ws://" + api + "/api/v1/pty/" + id + "/ws"), new WebSocket.Listener() {
                        final ByteArrayOutputStream frame = new ByteArrayOutputStream();

                        @Override
                        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                            byte[] b = new byte[data.remaining()];
                            data.get(b);
                            frame.writeBytes(b);
                            if (last) {
                                byte[] f = frame.toByteArray();
                                frame.reset();
                                if (f.length > 0 && f[0] == 0) {
                                    synchronized (output) {
                                        output.write(f, 1, f.length - 1);
                                        output.notifyAll();
                                    }
                                } else if (f.length == 5 && f[0] == 3) {
                                    exit.complete(ByteBuffer.wrap(f, 1, 4).getInt());
                                }
                            }
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                            exit.completeExceptionally(new IllegalStateException("closed " + code + " " + reason));
                            synchronized (output) {
                                output.notifyAll();
                            }
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
        }

        void send(byte[] frame) {
            ws.sendBinary(ByteBuffer.wrap(frame), true).join();
        }

        void await(String text) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (output) {
                while (!output.toString(StandardCharsets.ISO_8859_1).contains(text)) {
                    long left = end - System.nanoTime();
                    if (left <= 0 || exit.isCompletedExceptionally()) {
                        throw new IllegalStateException("no '" + text + "' in output: "
                                + output.toString(StandardCharsets.ISO_8859_1));
                    }
                    output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            }
        }

        void close() {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                ws.abort();
            }
        }
    }
}
