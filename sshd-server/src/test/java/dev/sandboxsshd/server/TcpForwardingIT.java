package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

/** {@code ssh -L}, {@code ssh -D} and {@code ssh -R} through a plain OpenSSH client, with OpenSSH's rules. */
class TcpForwardingIT {
    @TempDir
    static Path dir;
    static SshFixture fx;
    static ServerSocket echo;
    static ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        assertEquals(0, fx.ssh.run("true").exit(), "warm-up login, so the daemon's I/O threads exist before counting");
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
        Listening forward = listenOnAFreePort(fx.ssh, port -> List.of("-L", port + ":127.0.0.1:" + echo.getLocalPort()));
        int local = forward.port();
        try {
            byte[] data = new byte[64 << 20];
            new Random(7).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(roundTrip(local, data)));

            assertFiftyConcurrentConnections(() -> new Socket(InetAddress.getLoopbackAddress(), local));
        } finally {
            DaemonProcess.killTree(forward.client().toHandle());
        }
        // Not counted here: -L is MINA's direct-tcpip, whose I/O pool keeps idle threads for reuse.
    }

    @Test
    void dynamicForwardServesSocksForCurlSixtyFourMegabytesAndFiftyConnections() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            byte[] body = "hello through socks".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        Listening forward = listenOnAFreePort(fx.ssh, port -> List.of("-D", "127.0.0.1:" + port));
        int socks = forward.port();
        try {
            OpenSsh.Result curl = OpenSsh.exec(List.of("curl", "-sS", "--max-time", "20", "--socks5-hostname",
                    "127.0.0.1:" + socks, "http://localhost:" + http.getAddress().getPort() + "/"), null, null);
            assertEquals(0, curl.exit(), curl.stderr());
            assertEquals("hello through socks", curl.out());
            // SOCKS5 with a host name, as curl --socks5-hostname sends it: 64 MiB each way, then 50 at once.
            InetSocketAddress target = InetSocketAddress.createUnresolved("localhost", echo.getLocalPort());
            Connector viaSocks = () -> {
                Socket s = new Socket(new java.net.Proxy(java.net.Proxy.Type.SOCKS,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), socks)));
                s.connect(target, 20_000);
                return s;
            };
            byte[] data = new byte[64 << 20];
            new Random(10).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(roundTrip(viaSocks.open(), data)));
            assertFiftyConcurrentConnections(viaSocks);
        } finally {
            DaemonProcess.killTree(forward.client().toHandle());
            http.stop(0);
        }
    }

    /** What VS Code Remote-SSH does: a script on the stdin of `bash -s` while SOCKS traffic flows on -D. */
    @Test
    void idePatternScriptOnStdinWhileSocksTrafficFlows() throws Exception {
        Listening forward = listenOnAFreePort(port -> new ProcessBuilder(fx.ssh.sshArgs(
                List.of("-T", "-o", "ExitOnForwardFailure=yes", "-D", "127.0.0.1:" + port), "bash", "-s"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start());
        Process client = forward.client();
        int socks = forward.port();
        try {
            OutputStream script = client.getOutputStream();
            script.write("echo script-started\n".getBytes());
            script.flush();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream()));
            assertEquals("script-started", out.readLine());
            // a SOCKS5 connection while the script runs (curl's telnet:// only ended at its --max-time: 20 s a run)
            try (Socket s = new Socket(new java.net.Proxy(java.net.Proxy.Type.SOCKS,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), socks)))) {
                s.connect(InetSocketAddress.createUnresolved("127.0.0.1", echo.getLocalPort()), 20_000);
                s.setSoTimeout(20_000);
                s.getOutputStream().write("through-socks".getBytes(StandardCharsets.UTF_8));
                assertEquals("through-socks", new String(s.getInputStream().readNBytes(13), StandardCharsets.UTF_8));
            }
            script.write("echo still-running; exit 3\n".getBytes());
            script.close();
            assertEquals("still-running", out.readLine());
            assertTrue(client.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(3, client.exitValue());
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
    }

    @Test
    void noForwardingFlagRefusesWithALogLine(@TempDir Path own) throws Exception {
        try (SshFixture closed = SshFixture.start(own, "--no-forwarding")) {
            Listening forward = listenOnAFreePort(closed.ssh,
                    port -> List.of("-L", port + ":127.0.0.1:" + echo.getLocalPort()));
            int local = forward.port();
            try {
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
                OpenSsh.Result r = closed.ssh.run(List.of("-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=INFO",
                        "-R", "0:127.0.0.1:" + echo.getLocalPort()), null, "true");
                assertEquals(255, r.exit(), r.stderr());
                closed.daemon.awaitLogLine("refused remote port forward", "reason=forwarding is disabled");
            } finally {
                DaemonProcess.killTree(forward.client().toHandle());
            }
        }
    }

    @Test
    void remoteForwardListensOnLoopbackCarriesDataAndGoesAwayWithTheSession() throws Exception {
        RemoteForward forward = remoteForwardOnPortZero("");
        int remote = forward.port();
        try {
            assertEquals(LOOPBACKS, listenerAddresses(remote), "bound on loopback only, both families where there are two");
            byte[] data = new byte[64 << 20];
            new Random(8).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(exchange(InetAddress.getLoopbackAddress(), remote, data)));
            if (LOOPBACKS.contains(IPV6_LOOPBACK)) {
                assertEquals("over ipv6", new String(exchange(InetAddress.getByName("::1"), remote, "over ipv6".getBytes()),
                        StandardCharsets.UTF_8));
            }
        } finally {
            DaemonProcess.killTree(forward.client().toHandle());
        }
        Await.until("the listener to close with the session", Duration.ofSeconds(20), () -> listenerAddresses(remote).isEmpty());
    }

    @Test
    void remoteForwardKeepsHalfCloseAndFiftyConnections() throws Exception {
        RemoteForward forward = remoteForwardOnPortZero("");
        int remote = forward.port();
        try {
            byte[] data = new byte[64 << 20];
            new Random(9).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(roundTrip(remote, data)), "the reply after a half-close arrives whole");
            assertFiftyConcurrentConnections(() -> new Socket(InetAddress.getLoopbackAddress(), remote));
            assertFalse(fx.daemon.threadsNamed(FORWARD_THREADS).isEmpty(), "the forward's acceptor thread, by name: "
                    + fx.daemon.threadNames());
        } finally {
            DaemonProcess.killTree(forward.client().toHandle());
        }
        Await.until("the forward's threads to end with the session", Duration.ofSeconds(20),
                () -> fx.daemon.threadsNamed(FORWARD_THREADS).isEmpty());
    }

    /** {@code -R *:port}: the client sends an empty host and checks it is echoed; without --gateway-ports, loopback. */
    @Test
    void remoteForwardOnTheWildcardAddressStaysOnLoopback() throws Exception {
        RemoteForward forward = remoteForwardOnPortZero("*:");
        int remote = forward.port();
        try {
            assertEquals(LOOPBACKS, listenerAddresses(remote));
            assertEquals("wildcard", new String(roundTrip(remote, "wildcard".getBytes()), StandardCharsets.UTF_8));
        } finally {
            DaemonProcess.killTree(forward.client().toHandle());
        }
    }

    @Test
    void remoteForwardOnPortZeroIsAllocatedAndReported() throws Exception {
        RemoteForward forward = remoteForwardOnPortZero("");
        int port = forward.port();
        try {
            assertTrue(port > 0, "the allocated port " + port);
            byte[] data = new byte[64 << 20];
            new Random(11).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(roundTrip(port, data)));
            assertFiftyConcurrentConnections(() -> new Socket(InetAddress.getLoopbackAddress(), port));
        } finally {
            DaemonProcess.killTree(forward.client().toHandle());
        }
    }

    @Test
    void remoteForwardRefusalsAreCleanFailuresWithALogLine() throws Exception {
        String target = ":127.0.0.1:" + echo.getLocalPort();
        if (TestUser.backend().uid() != 0) {
            assertRemoteRefused("80" + target);
            fx.daemon.awaitLogLine("refused remote port forward", "port 80", "is privileged");
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertRemoteRefused(taken.getLocalPort() + target);
            fx.daemon.awaitLogLine("refused remote port forward", "port " + taken.getLocalPort(), "cannot bind");
        }
        assertEquals("ok\n", fx.ssh.run("echo ok").out(), "the daemon goes on");
    }

    private static void assertRemoteRefused(String spec) throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=INFO", "-R", spec), null, "true");
        assertEquals(255, r.exit(), spec + ": " + r.stderr());
        assertTrue(r.stderr().contains("remote port forwarding failed"), r.stderr());
    }

    static final String IPV4_LOOPBACK = "0100007F";
    static final String IPV6_LOOPBACK = "00000000000000000000000001000000";
    /** What a loopback forward must bind: ::1 too where the machine has it (/proc/net/if_inet6 lists it). */
    static final Set<String> LOOPBACKS = hasIpv6Loopback() ? Set.of(IPV4_LOOPBACK, IPV6_LOOPBACK) : Set.of(IPV4_LOOPBACK);

    private static boolean hasIpv6Loopback() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/net/if_inet6")).contains("00000000000000000000000000000001");
        } catch (IOException noIpv6) {
            return false;
        }
    }

    /**
     * The addresses (hex, as /proc/net/tcp* write them) listeners on the port are bound to. The JVM listens on IPv6
     * sockets, so an IPv4 bind shows in tcp6 as a v4-mapped address, given here as the IPv4 one.
     */
    private static Set<String> listenerAddresses(int port) throws IOException {
        String suffix = String.format(":%04X", port);
        Set<String> addresses = new java.util.HashSet<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : java.nio.file.Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(suffix) && f[3].equals("0A")) {
                    String address = f[1].substring(0, f[1].indexOf(':'));
                    addresses.add(address.startsWith("0000000000000000FFFF0000") ? address.substring(24) : address);
                }
            }
        }
        return addresses;
    }

    /** The daemon's threads of a remote forward: its acceptor, and a bridge per connection. */
    static final String[] FORWARD_THREADS = {"forward-accept-", "forwarded-"};

    record RemoteForward(Process client, int port) {
    }

    /** {@code ssh -N -R [bind]0:echo}: the server allocates the port, and the client prints it. */
    private static RemoteForward remoteForwardOnPortZero(String bind) throws Exception {
        List<String> args = List.of("-N", "-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=INFO",
                "-R", bind + "0:127.0.0.1:" + echo.getLocalPort());
        Process client = new ProcessBuilder(fx.ssh.sshArgs(args)).start();
        Future<Integer> allocated = pool.submit(() -> {
            java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(client.getErrorStream()));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = err.readLine()) != null; seen.append(line).append('\n')) {
                java.util.regex.Matcher m = ALLOCATED.matcher(line);
                if (m.find()) {
                    pool.submit(() -> err.transferTo(java.io.Writer.nullWriter()));
                    return Integer.parseInt(m.group(1));
                }
            }
            throw new AssertionError("the client reported no allocated port: " + seen);
        });
        try {
            return new RemoteForward(client, allocated.get(20, java.util.concurrent.TimeUnit.SECONDS));
        } catch (Exception | AssertionError e) {
            DaemonProcess.killTree(client.toHandle());
            throw e;
        }
    }

    private static final java.util.regex.Pattern ALLOCATED =
            java.util.regex.Pattern.compile("Allocated port (\\d+) for remote forward");

    record Listening(Process client, int port) {
    }

    /** {@code ssh -N -o ExitOnForwardFailure=yes} with the spec (-L or -D) for a local port. */
    private static Listening listenOnAFreePort(OpenSsh ssh, java.util.function.IntFunction<List<String>> spec)
            throws Exception {
        return listenOnAFreePort(port -> {
            List<String> args = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes"));
            args.addAll(spec.apply(port));
            return new ProcessBuilder(ssh.sshArgs(args)).redirectErrorStream(true).start();
        });
    }

    private interface ClientOnPort {
        Process start(int port) throws IOException;
    }

    /**
     * A client listening on a local port (-L, -D), the way OpenSshServer starts sshd: OpenSSH takes no port 0 for
     * these, so a port the kernel just gave out is used, and another tried when something bound it first (the
     * client, with ExitOnForwardFailure, exits). Ready once the client itself listens there (its socket in
     * /proc/net/tcp), which also tells its listener from a stranger's.
     */
    private static Listening listenOnAFreePort(ClientOnPort start) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Process client = start.start(port);
            try {
                Await.until("the client to listen on " + port + " or exit", Duration.ofSeconds(20),
                        () -> !client.isAlive() || Procs.listensOn(client.pid(), port));
                if (client.isAlive()) {
                    return new Listening(client, port);
                }
            } catch (Exception | AssertionError e) {
                DaemonProcess.killTree(client.toHandle());
                throw e;
            }
            if (attempt == 5) {
                throw new AssertionError("the client could not listen on a free port " + attempt + " times, last "
                        + port + ": exit " + client.exitValue() + " " + new String(client.getInputStream().readAllBytes()));
            }
        }
    }

    private interface Connector {
        Socket open() throws IOException;
    }

    private static void assertFiftyConcurrentConnections(Connector connector) throws Exception {
        List<Future<byte[]>> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] small = ("connection " + i + " ").repeat(2000).getBytes(StandardCharsets.UTF_8);
            many.add(pool.submit(() -> roundTrip(connector.open(), small)));
        }
        for (int i = 0; i < 50; i++) {
            assertEquals(("connection " + i + " ").repeat(2000), new String(many.get(i).get(), StandardCharsets.UTF_8));
        }
    }

    private static byte[] roundTrip(int port, byte[] data) throws Exception {
        return roundTrip(new Socket(InetAddress.getLoopbackAddress(), port), data);
    }

    private static byte[] roundTrip(Socket connected, byte[] data) throws Exception {
        try (Socket s = connected) {
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

    /** Writes the data and reads as many bytes back, keeping both directions open until done. */
    private static byte[] exchange(InetAddress host, int port, byte[] data) throws Exception {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(60_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(data);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            byte[] back = s.getInputStream().readNBytes(data.length);
            writer.join();
            return back;
        }
    }


    /** A port the kernel just gave out, free again once closed (so free only most likely: see listenOnAFreePort). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
