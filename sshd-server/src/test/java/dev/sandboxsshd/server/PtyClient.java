package dev.sandboxsshd.server;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A PTY WebSocket client built on the JDK's own {@link java.net.http.WebSocket} (not ours), collecting what the
 * server sends: output bytes, the exit frame, the close.
 */
final class PtyClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(30);

    sealed interface Event permits Output, Exit, Closed {
    }

    record Output(byte[] bytes) implements Event {
    }

    record Exit(int code) implements Event {
    }

    record Closed(int code, String reason) implements Event {
    }

    final WebSocket socket;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private Integer exitCode;
    private Closed closed;

    private PtyClient(URI uri, Map<String, String> headers, boolean autoRead) throws Exception {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(WAIT);
        headers.forEach(builder::header);
        socket = builder.buildAsync(uri, new WebSocket.Listener() {
            @Override
            public void onOpen(WebSocket ws) {
                if (autoRead) {
                    ws.request(1);
                }
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                synchronized (partial) {
                    partial.writeBytes(bytes);
                    if (last) {
                        byte[] frame = partial.toByteArray();
                        partial.reset();
                        if (frame.length > 0 && frame[0] == 0x00) {
                            byte[] out = new byte[frame.length - 1];
                            System.arraycopy(frame, 1, out, 0, out.length);
                            events.add(new Output(out));
                        } else if (frame.length == 5 && frame[0] == 0x03) {
                            events.add(new Exit(ByteBuffer.wrap(frame, 1, 4).getInt()));
                        } else {
                            events.add(new Closed(-1, "unexpected frame of " + frame.length + " bytes"));
                        }
                    }
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                events.add(new Closed(-1, "unexpected text frame"));
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                events.add(new Closed(statusCode, reason));
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                events.add(new Closed(-2, String.valueOf(error)));
            }
        }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    static PtyClient attach(String api, String id, String token) throws Exception {
        return new PtyClient(URI.create("ws://" + api + "/api/v1/pty/" + id + "/ws"), Map.of("X-PTY-Token", token), true);
    }

    static PtyClient attachWithQuery(String api, String id, String token) throws Exception {
        return new PtyClient(URI.create("ws://" + api + "/api/v1/pty/" + id + "/ws?token=" + token), Map.of(), true);
    }

    /** A client that never reads what the server sends. */
    static PtyClient attachNotReading(String api, String id, String token) throws Exception {
        return new PtyClient(URI.create("ws://" + api + "/api/v1/pty/" + id + "/ws"), Map.of("X-PTY-Token", token), false);
    }

    PtyClient ready() {
        return send(new byte[] {0x02});
    }

    PtyClient type(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, frame, 1, bytes.length);
        return send(frame);
    }

    PtyClient resize(int cols, int rows) {
        return send(ByteBuffer.allocate(5).put((byte) 0x01).putShort((short) cols).putShort((short) rows).array());
    }

    PtyClient send(byte[] frame) {
        socket.sendBinary(ByteBuffer.wrap(frame), true).join();
        return this;
    }

    /** Output so far, as text. */
    synchronized String text() {
        drain(0);
        return output.toString(StandardCharsets.UTF_8);
    }

    synchronized byte[] bytes() {
        drain(0);
        return output.toByteArray();
    }

    /** Waits until the output contains {@code expected}; returns all output so far. */
    synchronized String awaitText(String expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!output.toString(StandardCharsets.UTF_8).contains(expected)) {
            if (closed != null || System.nanoTime() > deadline) {
                throw new AssertionError("no \"" + expected + "\" in the output (closed: " + closed + "): "
                        + output.toString(StandardCharsets.UTF_8));
            }
            drain(100);
        }
        return output.toString(StandardCharsets.UTF_8);
    }

    /** Waits for the close, collecting everything before it; returns it. */
    synchronized Closed awaitClose() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (closed == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not closed; output: " + output.toString(StandardCharsets.UTF_8));
            }
            drain(100);
        }
        return closed;
    }

    synchronized Integer exitCode() {
        return exitCode;
    }

    private void drain(long waitMillis) {
        try {
            Event e = waitMillis > 0 ? events.poll(waitMillis, TimeUnit.MILLISECONDS) : events.poll();
            while (e != null) {
                if (e instanceof Output o) {
                    if (exitCode != null) {
                        throw new AssertionError("output after the exit frame");
                    }
                    output.writeBytes(o.bytes());
                } else if (e instanceof Exit x) {
                    exitCode = x.code();
                } else if (e instanceof Closed c && closed == null) {
                    closed = c;
                }
                e = events.poll();
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            CompletableFuture<WebSocket> done = socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            try {
                done.get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                socket.abort();
            }
        }
    }
}
