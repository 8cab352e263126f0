package dev.sandboxsshd.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's HAProxy in TCP mode on loopback, in front of one backend port: one frontend per PROXY protocol version
 * ({@code send-proxy} v1, {@code send-proxy-v2}). Runs in the foreground; {@link #close} ends it by its pid.
 */
final class HaProxy implements AutoCloseable {
    final int v1Port;
    final int v2Port;
    private final Process process;
    private final Path log;

    private HaProxy(Process process, Path log, int v1Port, int v2Port) {
        this.process = process;
        this.log = log;
        this.v1Port = v1Port;
        this.v2Port = v2Port;
    }

    static HaProxy start(Path dir, int backendPort) throws Exception {
        Files.createDirectories(dir);
        int v1 = freePort();
        int v2 = freePort();
        String config = String.join("\n", List.of(
                "defaults",
                "  mode tcp",
                "  timeout connect 10s",
                "  timeout client 120s",
                "  timeout server 120s",
                "frontend v1",
                "  bind 127.0.0.1:" + v1,
                "  default_backend sshd_v1",
                "backend sshd_v1",
                "  server sshd 127.0.0.1:" + backendPort + " send-proxy",
                "frontend v2",
                "  bind 127.0.0.1:" + v2,
                "  default_backend sshd_v2",
                "backend sshd_v2",
                "  server sshd 127.0.0.1:" + backendPort + " send-proxy-v2",
                ""));
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        Path log = dir.resolve("haproxy.log");
        Process process = new ProcessBuilder("haproxy", "-db", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HaProxy proxy = new HaProxy(process, log, v1, v2);
        try {
            Await.until("haproxy listening on " + v1 + " and " + v2, Duration.ofSeconds(20),
                    () -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("haproxy exited: " + Files.readString(log));
                        }
                        return accepts(v1) && accepts(v2);
                    });
        } catch (Exception | AssertionError e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        DaemonProcess.killTree(process.toHandle());
    }
}
