package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

/** {@code ssh -L} and {@code ssh -D} through a plain OpenSSH client; {@code -R} is refused cleanly for now. */
class TcpForwardingIT {
    @TempDir
    static Path dir;
    static SshFixture fx;
    static ServerSocket echo;
    static ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        echo = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        pool.submit(() -> {
            while (!echo.isClosed()) {
                Socket s = echo.accept();
                pool.submit(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                    }
                    return null;
                });
            }
            return null;
        });
    }

    @AfterAll
    static void stop() throws Exception {
        echo.close();
        pool.shutdownNow();
        fx.close();
    }

    @Test
    void localForwardCarriesSixtyFourMegabytesEachWayAndFiftyConnections() throws Exception {
        int local = freePort();
        Process client = forward(List.of("-L", local + ":127.0.0.1:" + echo.getLocalPort()));
        try {
            awaitListening(local);
            byte[] data = new byte[64 << 20];
            new Random(7).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(roundTrip(local, data)));

            List<Future<byte[]>> many = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                byte[] small = ("connection " + i + " ").repeat(2000).getBytes(StandardCharsets.UTF_8);
                many.add(pool.submit(() -> roundTrip(local, small)));
            }
            for (int i = 0; i < 50; i++) {
                assertEquals(("connection " + i + " ").repeat(2000), new String(many.get(i).get(), StandardCharsets.UTF_8));
            }
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
    }

    @Test
    void dynamicForwardServesSocksForCurl() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            byte[] body = "hello through socks".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        int socks = freePort();
        Process client = forward(List.of("-D", "127.0.0.1:" + socks));
        try {
            awaitListening(socks);
            OpenSsh.Result curl = OpenSsh.exec(List.of("curl", "-sS", "--max-time", "20", "--socks5-hostname",
                    "127.0.0.1:" + socks, "http://localhost:" + http.getAddress().getPort() + "/"), null, null);
            assertEquals(0, curl.exit(), curl.stderr());
            assertEquals("hello through socks", curl.out());
        } finally {
            DaemonProcess.killTree(client.toHandle());
            http.stop(0);
        }
    }

    @Test
    void noForwardingFlagRefusesWithALogLine(@TempDir Path own) throws Exception {
        try (SshFixture closed = SshFixture.start(own, "--no-forwarding")) {
            int local = freePort();
            List<String> args = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes", "-L",
                    local + ":127.0.0.1:" + echo.getLocalPort()));
            Process client = new ProcessBuilder(closed.ssh.sshArgs(args)).start();
            try {
                awaitListening(local);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), local)) {
                    s.setSoTimeout(20_000);
                    s.getOutputStream().write("x".getBytes());
                    int read;
                    try {
                        read = s.getInputStream().read();
                    } catch (java.net.SocketException reset) {
                        read = -1; // the client resets a connection whose channel open failed, data unread
                    }
                    assertEquals(-1, read, "a refused forward is closed, never served");
                }
                closed.daemon.awaitLogLine("refused local port forward", "target 127.0.0.1 port " + echo.getLocalPort(),
                        "reason=forwarding is disabled (--no-forwarding)");
            } finally {
                DaemonProcess.killTree(client.toHandle());
            }
        }
    }

    @Test
    void remoteForwardIsRefusedCleanly() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=INFO",
                "-R", "0:127.0.0.1:" + echo.getLocalPort()), null, "true");
        assertEquals(255, r.exit());
        assertTrue(r.stderr().contains("remote port forwarding failed"), r.stderr());
        fx.daemon.awaitLogLine("refused remote port forward", "user=" + fx.user);
    }

    private static Process forward(List<String> spec) throws IOException {
        List<String> args = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes"));
        args.addAll(spec);
        return new ProcessBuilder(fx.ssh.sshArgs(args)).redirectErrorStream(true).start();
    }

    private static void awaitListening(int port) throws Exception {
        Await.until("the client to listen on " + port, Duration.ofSeconds(20), () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    private static byte[] roundTrip(int port, byte[] data) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(data);
                    s.shutdownOutput(); // half-close: the echo still answers
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            byte[] back = s.getInputStream().readAllBytes();
            writer.join();
            return back;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
