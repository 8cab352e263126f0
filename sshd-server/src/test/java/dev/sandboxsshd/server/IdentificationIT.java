package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A client whose first line is not an SSH identification gets sshd's answer at once, in plain text, and the
 * connection closes: no wait for the login grace time, no binary packet. Run against OpenSSH's sshd too.
 */
class IdentificationIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;

    @org.junit.jupiter.api.io.TempDir
    static Path dir;
    static SshFixture fx;
    static BothServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = BothServers.start(dir);
        fx = servers.ours;
    }

    @AfterAll
    static void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private static int port(String server) throws Exception {
        return servers.client(server).port;
    }

    @ParameterizedTest
    @CsvSource({"sandbox-sshd,empty", "sandbox-sshd,garbage", "sandbox-sshd,http", "openssh,empty", "openssh,garbage",
            "openssh,http"})
    void aLineThatIsNoIdentificationIsAnsweredAndClosed(String server, String kind) throws Exception {
        String line = switch (kind) {
            case "empty" -> "\r\n";
            case "garbage" -> "garbage\u001b[2J\r\n";
            default -> "GET / HTTP/1.1\r\n";
        };
        try (Socket s = new Socket("127.0.0.1", port(server))) {
            s.setSoTimeout(10_000); // a read that would wait for the 120 s grace time fails the test instead
            s.getOutputStream().write(line.getBytes(StandardCharsets.ISO_8859_1));
            String answer = readToEnd(s.getInputStream());
            String[] lines = answer.split("\r\n", 2);
            assertTrue(lines[0].startsWith("SSH-2.0-"), answer);
            assertEquals("Invalid SSH identification string.\r\n", lines[1]);
        }
        if (server.equals(OURS)) {
            String logged = fx.daemon.awaitLogLine("refused connection: remote=", "reason=invalid identification string");
            assertTrue(!logged.contains("\u001b"), logged);
        }
    }

    @org.junit.jupiter.api.Test
    void anotherProtocolVersionIsRefusedWithALogLine() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.ssh.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("SSH-1.5-old\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(readToEnd(s.getInputStream()).contains("Unsupported protocol version"));
        }
        fx.daemon.awaitLogLine("refused connection: remote=", "reason=Unsupported protocol version: SSH-1.5-old");
    }

    private static String readToEnd(InputStream in) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
