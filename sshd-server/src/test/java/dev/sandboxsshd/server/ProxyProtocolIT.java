package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HAProxy in front of the daemon, which accepts PROXY headers from 127.0.0.1 (HAProxy's side) only: the client's
 * own address (127.0.0.2, where the test binds it) is what the session and the log see. A header from another
 * address, a missing or a malformed one from 127.0.0.1, is refused with one log line.
 */
class ProxyProtocolIT {
    private static final List<String> FROM_127_0_0_2 = List.of("-o", "BindAddress=127.0.0.2");

    @TempDir
    static Path dir;
    static SshFixture fx;
    static HaProxy haproxy;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir, "--proxy-protocol-from", "127.0.0.1/32", "--audit-log",
                dir.resolve("audit.jsonl").toString());
        haproxy = HaProxy.start(dir.resolve("haproxy"), fx.ssh.port);
    }

    @AfterAll
    static void stop() {
        if (haproxy != null) {
            haproxy.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v2"})
    void throughHaproxyTheSessionSeesTheRealClient(String version) throws Exception {
        int port = version.equals("v1") ? haproxy.v1Port : haproxy.v2Port;
        OpenSsh viaProxy = new OpenSsh(port, fx.user, fx.key);
        OpenSsh.Result r = viaProxy.run(FROM_127_0_0_2, null, "echo \"$SSH_CONNECTION\"; echo \"$SSH_CLIENT\"");
        assertEquals(0, r.exit(), r.stderr());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].matches("127\\.0\\.0\\.2 \\d+ 127\\.0\\.0\\.1 " + fx.ssh.port), r.out());
        String clientPort = lines[0].split(" ")[1];
        assertEquals("127.0.0.2 " + clientPort + " " + fx.ssh.port, lines[1]);
        // the audit trail names the same client
        Await.until("the login from 127.0.0.2:" + clientPort + " in the audit trail", Duration.ofSeconds(20),
                () -> Files.readAllLines(dir.resolve("audit.jsonl")).stream().anyMatch(l -> l.contains("\"event\":\"auth\"")
                        && l.contains("\"client\":\"127.0.0.2:" + clientPort + "\"")));
    }

    @Test
    void aRefusalThroughHaproxyNamesTheRealClient() throws Exception {
        ClientKey other = ClientKey.ed25519(dir.resolve("other"), "other");
        OpenSsh.Result r = new OpenSsh(haproxy.v2Port, fx.user, other).run(FROM_127_0_0_2, null, "true");
        assertNotEquals(0, r.exit());
        fx.daemon.awaitLogLine("refused publickey auth: remote=127.0.0.2:", "key=ssh-ed25519");
    }

    @Test
    void aClientNotFromTheProxyAddressNeedsNoHeader() throws Exception {
        OpenSsh.Result r = fx.ssh.run(FROM_127_0_0_2, null, "echo \"$SSH_CONNECTION\"");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().startsWith("127.0.0.2 "), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v2"})
    void aHeaderFromAnUnlistedAddressIsRefused(String version) throws Exception {
        byte[] header = version.equals("v1")
                ? "PROXY TCP4 203.0.113.9 127.0.0.1 4242 22\r\nSSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII)
                : new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0, 12,
                        (byte) 203, 0, 113, 9, 127, 0, 0, 1, 0x10, (byte) 0x92, 0, 22};
        exchange("127.0.0.2", header);
        String line = fx.daemon.awaitLogLine("refused connection: remote=127.0.0.2:",
                "reason=PROXY protocol header from an address not in --proxy-protocol-from");
        assertTrue(!line.contains("203.0.113.9"), line);
    }

    @Test
    void noHeaderFromTheProxyAddressIsRefused() throws Exception {
        OpenSsh.Result r = fx.ssh.run("true");
        assertEquals(255, r.exit(), r.stderr());
        fx.daemon.awaitLogLine("refused connection: remote=127.0.0.1:", "reason=no PROXY protocol header");
    }

    @Test
    void aMalformedHeaderFromTheProxyAddressIsRefused() throws Exception {
        exchange("127.0.0.1", "PROXY TCP4 203.0.113.9 127.0.0.1 4242\r\n".getBytes(StandardCharsets.US_ASCII));
        fx.daemon.awaitLogLine("refused connection: remote=127.0.0.1:", "reason=PROXY v1 line does not have 5 fields");
    }

    /** Sends {@code bytes} from {@code source} and reads until the daemon closes. */
    private static String exchange(String source, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", fx.ssh.port), 10_000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(bytes);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all);
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
