package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sandboxsshd.shell.PosixUser;

/**
 * UNIX-socket forwarding through a plain OpenSSH client: {@code ssh -L /local.sock:/remote.sock}
 * ({@code direct-streamlocal@openssh.com}) and {@code ssh -R /remote.sock:/local.sock}
 * ({@code streamlocal-forward@openssh.com}), with the user's rights on the sandbox side.
 */
class UnixSocketForwardingIT {
    @TempDir
    static Path clientDir;
    static Path sandboxDir;
    static SshFixture fx;
    static PosixUser user;
    static ExecutorService pool = Executors.newCachedThreadPool();
    static final List<ServerSocketChannel> servers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(clientDir.resolve("daemon"));
        user = TestUser.backend();
        // The sandbox side: a directory the backend user owns, where their sockets live.
        sandboxDir = Files.createTempDirectory(Path.of("/tmp"), "unixfwd");
        Files.setAttribute(sandboxDir, "unix:uid", user.uid());
        Files.setAttribute(sandboxDir, "unix:gid", user.gid());
        Files.setPosixFilePermissions(sandboxDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(0, fx.ssh.run("true").exit(), "warm-up login, so the daemon's I/O threads exist before counting");
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServerSocketChannel s : servers) {
            s.close();
        }
        pool.shutdownNow();
        fx.close();
        try (Stream<Path> all = Files.walk(sandboxDir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void localForwardCarriesSixtyFourMegabytesEachWayFiftyConnectionsAndLeavesNoThread() throws Exception {
        Path remote = echoServer(sandboxDir.resolve("echo-L.sock"), new AtomicInteger());
        Files.setPosixFilePermissions(remote, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path local = clientDir.resolve("l.sock");
        Process client = forward("-L", local + ":" + remote);
        try {
            awaitConnectable(local);
            byte[] data = new byte[64 << 20];
            new Random(11).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(roundTrip(local, data)), "64 MiB each way, half-closed");
            assertFiftyConcurrentConnections(local);
            try (SocketChannel open = SocketChannel.open(UnixDomainSocketAddress.of(local))) {
                open.write(ByteBuffer.wrap(new byte[] {42}));
                assertEquals(1, open.read(ByteBuffer.allocate(1)), "the echo through the forward");
                assertFalse(fx.daemon.threadsNamed(LOCAL_BRIDGE_THREADS).isEmpty(),
                        "a connection's bridge threads, by name: " + fx.daemon.threadNames());
            }
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
        Await.until("the bridge threads to end with the session", Duration.ofSeconds(20),
                () -> fx.daemon.threadsNamed(LOCAL_BRIDGE_THREADS).isEmpty());
        assertNoHiddenFilesIn(sandboxDir);
    }

    @Test
    void localForwardToASocketTheUserCannotOpenIsRefused() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        AtomicInteger accepted = new AtomicInteger();
        Path secret = echoServer(sandboxDir.resolve("root-only.sock"), accepted);
        Files.setAttribute(secret, "unix:uid", 0);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path local = clientDir.resolve("secret.sock");
        Process client = forward("-L", local + ":" + secret);
        try {
            awaitConnectable(local);
            assertClosedUnserved(local);
            fx.daemon.awaitLogLine("refused local stream forward", "user=" + user.name(), "target " + secret,
                    "reason=Permission denied");
            assertEquals(0, accepted.get(), "the root-only socket was never reached");
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
    }

    @Test
    void aTargetPathCannotForgeALogLine() throws Exception {
        Path local = clientDir.resolve("forged.sock");
        Process client = forward("-L", local + ":" + sandboxDir.resolve("no\n2026 INFO SshService - ssh enabled\u001b[2J"));
        try {
            awaitConnectable(local);
            assertClosedUnserved(local);
            String line = fx.daemon.awaitLogLine("refused local stream forward", "no\\n2026 INFO SshService");
            assertTrue(line.contains("ssh enabled\\x1b[2J reason="), line);
            assertTrue(Files.readAllLines(fx.daemon.log).stream().noneMatch(l -> l.startsWith("2026 INFO")));
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
    }

    @Test
    void localForwardToNothingIsAConnectFailureNotAHang() throws Exception {
        Path local = clientDir.resolve("nothing.sock");
        Process client = forward("-L", local + ":" + sandboxDir.resolve("no-such.sock"));
        try {
            awaitConnectable(local);
            assertClosedUnserved(local);
            fx.daemon.awaitLogLine("refused local stream forward", "no-such.sock");
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
    }

    @Test
    void remoteForwardIsTheUsersSocketCarriesDataAndIsRemovedWithTheSession() throws Exception {
        Path local = echoServer(clientDir.resolve("echo-R.sock"), new AtomicInteger());
        Path remote = sandboxDir.resolve("r.sock");
        Process client = forward("-R", remote + ":" + local);
        try {
            awaitConnectable(remote);
            assertEquals(user.uid(), Files.getAttribute(remote, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote, LinkOption.NOFOLLOW_LINKS)));
            byte[] data = new byte[64 << 20];
            new Random(12).nextBytes(data);
            assertArrayEquals(sha256(data), sha256(roundTrip(remote, data)), "64 MiB each way, half-closed");
            assertFiftyConcurrentConnections(remote);
            assertFalse(fx.daemon.threadsNamed(REMOTE_FORWARD_THREADS).isEmpty(),
                    "the forward's acceptor thread, by name: " + fx.daemon.threadNames());
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
        Await.until("the socket file to go with the session", Duration.ofSeconds(20), () -> !Files.exists(remote, LinkOption.NOFOLLOW_LINKS));
        Await.until("the forward's threads to end with the session", Duration.ofSeconds(20),
                () -> fx.daemon.threadsNamed(REMOTE_FORWARD_THREADS).isEmpty());
    }

    @Test
    void remoteForwardOverAnExistingPathIsRefusedAndTheFileKept() throws Exception {
        Path local = echoServer(clientDir.resolve("echo-exists.sock"), new AtomicInteger());
        Path existing = sandboxDir.resolve("exists.sock");
        Files.writeString(existing, "keep me");
        assertRemoteRefused(existing + ":" + local);
        fx.daemon.awaitLogLine("refused remote stream forward", "listen " + existing, "--stream-local-bind-unlink");
        assertEquals("keep me", Files.readString(existing));
        assertNoHiddenFilesIn(sandboxDir);
    }

    @Test
    void remoteForwardWhereTheUserCannotCreateFilesIsRefused() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        Path local = echoServer(clientDir.resolve("echo-denied.sock"), new AtomicInteger());
        Path rootOnly = Files.createTempDirectory(Path.of("/tmp"), "unixfwd-root");
        try {
            Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path target = rootOnly.resolve("r.sock");
            assertRemoteRefused(target + ":" + local);
            fx.daemon.awaitLogLine("refused remote stream forward", "listen " + target, "reason=Permission denied");
            assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
        } finally {
            Files.delete(rootOnly);
        }
    }

    @Test
    void bindUnlinkReplacesAStaleSocket(@TempDir Path own) throws Exception {
        try (SshFixture unlinking = SshFixture.start(own, "--stream-local-bind-unlink")) {
            Path local = echoServer(clientDir.resolve("echo-stale.sock"), new AtomicInteger());
            Path stale = sandboxDir.resolve("stale.sock");
            ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            dead.bind(UnixDomainSocketAddress.of(stale));
            dead.close(); // leaves the socket file behind, as a crashed forward would
            Files.setAttribute(stale, "unix:uid", user.uid());
            List<String> args = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes", "-R", stale + ":" + local));
            Process client = new ProcessBuilder(unlinking.ssh.sshArgs(args)).redirectErrorStream(true).start();
            try {
                awaitConnectable(stale);
                assertEquals("fresh", new String(roundTrip(stale, "fresh".getBytes()), StandardCharsets.UTF_8));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stale, LinkOption.NOFOLLOW_LINKS)));
            } finally {
                DaemonProcess.killTree(client.toHandle());
            }
        }
    }

    @Test
    void noForwardingFlagRefusesBothDirections(@TempDir Path own) throws Exception {
        try (SshFixture closed = SshFixture.start(own, "--no-forwarding")) {
            Path remote = echoServer(sandboxDir.resolve("echo-closed.sock"), new AtomicInteger());
            Files.setPosixFilePermissions(remote, PosixFilePermissions.fromString("rw-rw-rw-"));
            Path local = clientDir.resolve("closed.sock");
            List<String> args = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes", "-L", local + ":" + remote));
            Process client = new ProcessBuilder(closed.ssh.sshArgs(args)).redirectErrorStream(true).start();
            try {
                awaitConnectable(local);
                assertClosedUnserved(local);
                closed.daemon.awaitLogLine("refused local stream forward", "target " + remote,
                        "reason=forwarding is disabled (--no-forwarding)");
            } finally {
                DaemonProcess.killTree(client.toHandle());
            }
            Path target = sandboxDir.resolve("closed-R.sock");
            OpenSsh.Result r = closed.ssh.run(List.of("-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=INFO",
                    "-R", target + ":" + local), null, "true");
            assertEquals(255, r.exit(), r.stderr());
            closed.daemon.awaitLogLine("refused remote stream forward", "listen " + target, "reason=forwarding is disabled");
            assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
        }
    }

    /** The socket is made under a hidden name and then moved into place: nothing of that may stay behind. */
    private static void assertNoHiddenFilesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith(".")).toList());
        }
    }

    private static void assertRemoteRefused(String spec) throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=INFO", "-R", spec), null, "true");
        assertEquals(255, r.exit(), spec + ": " + r.stderr());
        assertTrue(r.stderr().contains("remote port forwarding failed"), r.stderr());
        assertEquals("ok\n", fx.ssh.run("echo ok").out(), "the daemon goes on");
    }

    private static void assertFiftyConcurrentConnections(Path socket) throws Exception {
        List<Future<byte[]>> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] small = ("connection " + i + " ").repeat(2000).getBytes(StandardCharsets.UTF_8);
            many.add(pool.submit(() -> roundTrip(socket, small)));
        }
        for (int i = 0; i < 50; i++) {
            assertEquals(("connection " + i + " ").repeat(2000), new String(many.get(i).get(), StandardCharsets.UTF_8));
        }
    }

    /** A client connection whose channel open was refused is closed by the ssh client without any data. */
    private static void assertClosedUnserved(Path local) throws Exception {
        try (SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(local))) {
            s.write(ByteBuffer.wrap("x".getBytes()));
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.read(ByteBuffer.allocate(1));
                } catch (IOException reset) {
                    return -1;
                }
            }, pool);
            assertEquals(-1, read.get(20, java.util.concurrent.TimeUnit.SECONDS), "a refused forward is closed, never served");
        }
    }

    private static Path echoServer(Path path, AtomicInteger accepted) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        servers.add(server);
        pool.submit(() -> {
            while (server.isOpen()) {
                SocketChannel s = server.accept();
                accepted.incrementAndGet();
                pool.submit(() -> {
                    try (s) {
                        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                        while (s.read(buffer) >= 0) {
                            buffer.flip();
                            while (buffer.hasRemaining()) {
                                s.write(buffer);
                            }
                            buffer.clear();
                        }
                    }
                    return null;
                });
            }
            return null;
        });
        return path;
    }

    /** The daemon's threads of one -L connection: a bridge's two directions. */
    static final String[] LOCAL_BRIDGE_THREADS = {"streamlocal-"};
    /** The daemon's threads of a remote forward: its acceptor, and a bridge per connection. */
    static final String[] REMOTE_FORWARD_THREADS = {"forward-accept-", "forwarded-"};

    private static Process forward(String option, String spec) throws IOException {
        List<String> args = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes", option, spec));
        return new ProcessBuilder(fx.ssh.sshArgs(args)).redirectErrorStream(true).start();
    }

    private static void awaitConnectable(Path socket) throws Exception {
        Await.until("a listener on " + socket, Duration.ofSeconds(20), () -> {
            try (SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    /** Writes everything, half-closes, and reads until the far side closes: the echo still answers after EOF. */
    private static byte[] roundTrip(Path socket, byte[] data) throws Exception {
        try (SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    ByteBuffer out = ByteBuffer.wrap(data);
                    while (out.hasRemaining()) {
                        s.write(out);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            byte[] back = readAll(s);
            writer.join();
            return back;
        }
    }

    private static byte[] readAll(SocketChannel s) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (s.read(buffer) >= 0) {
            all.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return all.toByteArray();
    }


    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
