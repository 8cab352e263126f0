package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;

/**
 * An exec request whose command line holds a NUL runs nothing: OpenSSH reads the command as a C string, refuses
 * it as an invalid format and ends the connection; so do we, with one log line. (ssh cannot send a NUL: JSch does.)
 */
class ExecRequestIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;

    @TempDir
    static Path dir;
    static BothServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = BothServers.start(dir);
    }

    @AfterAll
    static void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void aCommandWithANulEndsTheConnectionAndRunsNothing(String server) throws Exception {
        OpenSsh ssh = servers.client(server);
        JSch jsch = new JSch();
        jsch.addIdentity(servers.ours.key.privateKey().toString());
        Session session = jsch.getSession(servers.ours.user, "127.0.0.1", ssh.port);
        session.setConfig("StrictHostKeyChecking", "no");
        session.connect(20_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChannelExec exec = (ChannelExec) session.openChannel("exec");
            exec.setCommand("echo before\0; echo after");
            exec.setOutputStream(out);
            try {
                exec.connect(20_000);
            } catch (JSchException dropped) {
                // the connection may end before the channel's reply
            }
            Await.until("the server to end the connection", Duration.ofSeconds(20), () -> !session.isConnected());
        } finally {
            session.disconnect();
        }
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        if (server.equals(OURS)) {
            List<String> lines = Files.readAllLines(servers.ours.daemon.log).stream()
                    .filter(l -> l.contains("refused exec request:")).toList();
            assertEquals(1, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(0).contains("reason=command holds a NUL at offset 11"), lines.get(0));
            assertEquals(0, servers.ours.ssh.run("true").exit(), "the daemon serves the next connection");
        }
    }
}
