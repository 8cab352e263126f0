// PTY API burst client (bench/footprint.sh): SESSIONS PTY sessions at once, each printing BYTES of output (raw mode,
// so every byte arrives as sent) to a client that reads it all; repeated ROUNDS times. Prints "pty N ok M failed";
// exit 1 on any failure.
// Run: java bench/BurstPty.java HOST:PORT TOKEN_FILE SESSIONS BYTES [ROUNDS]
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class BurstPty {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        String api = args[0];
        String token = Files.readString(Path.of(args[1])).strip();
        int sessions = Integer.parseInt(args[2]);
        long bytes = Long.parseLong(args[3]);
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                for (int r = 0; r < rounds; r++) {
                    try {
                        once(api, token, bytes);
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        System.out.println("pty " + id + " FAILED: " + e);
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("pty " + ok.get() + " ok " + failed.get() + " failed");
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    static void once(String api, String token, long bytes) throws Exception {
        String body = "{\"command\": \"/bin/sh\", \"args\": [\"-c\", \"stty raw -echo; printf R; head -c 1 >/dev/null; head -c "
                + bytes + " /dev/zero; exit 5\"]}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + api + "/api/v1/pty"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher id = Pattern.compile("\"session_id\":\"([^\"]+)\"").matcher(r.body());
        Matcher tk = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(r.body());
        if (r.statusCode() != 200 || !id.find() || !tk.find()) {
            throw new IllegalStateException("create failed: " + r.statusCode() + " " + r.body());
        }
        long[] got = {0};
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        WebSocket ws = HTTP.newWebSocketBuilder().header("X-PTY-Token", tk.group(1))
                .buildAsync(URI.create("ws://" + api + "/api/v1/pty/" + id.group(1) + "/ws"), new WebSocket.Listener() {
                    boolean first = true;
                    int type;
                    ByteBuffer exitFrame = ByteBuffer.allocate(5);

                    @Override
                    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                        if (first && data.hasRemaining()) {
                            type = data.get(data.position());
                        }
                        if (type == 0) {
                            got[0] += data.remaining() - (first ? 1 : 0);
                        } else if (type == 3 && exitFrame.remaining() >= data.remaining()) {
                            exitFrame.put(data);
                        }
                        first = last;
                        if (last && type == 3) {
                            exit.complete(exitFrame.getInt(1));
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        exit.completeExceptionally(new IllegalStateException("closed " + code + " " + reason + " before the exit frame"));
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        exit.completeExceptionally(error);
                    }
                }).get(60, TimeUnit.SECONDS);
        try {
            ws.sendBinary(ByteBuffer.wrap(new byte[] {2}), true).get(60, TimeUnit.SECONDS);
            ws.sendBinary(ByteBuffer.wrap(new byte[] {0, 'g'}), true).get(60, TimeUnit.SECONDS);
            int code = exit.get(600, TimeUnit.SECONDS);
            synchronized (got) {
                if (code != 5 || got[0] != bytes + 1) { // the R, then the bytes
                    throw new IllegalStateException("exit " + code + ", " + got[0] + " bytes of output, expected " + (bytes + 1));
                }
            }
        } finally {
            ws.abort();
            HTTP.send(HttpRequest.newBuilder(URI.create("http://" + api + "/api/v1/pty/" + id.group(1)))
                    .header("Authorization", "Bearer " + token).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        }
    }
}
