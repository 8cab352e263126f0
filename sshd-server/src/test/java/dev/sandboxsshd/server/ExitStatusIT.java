package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.Session;

/** The client sees the command's exit code, with and without a terminal, and signals reach the command. */
class ExitStatusIT {
    @TempDir
    static Path dir;
    static SshFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 44, 255})
    void exitCodeWithoutTerminal(int code) throws Exception {
        OpenSsh.Result r = fx.ssh.run("echo before; exit " + code);
        assertEquals(code, r.exit(), r.stderr());
        assertEquals("before\n", r.out());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 44, 255})
    void exitCodeWithTerminal(int code) throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-tt"), null, "echo before; exit " + code);
        assertEquals(code, r.exit(), r.stderr());
        assertEquals("before\r\n", r.out());
    }

    @Test
    void commandNotFoundIs127WithTheShellsMessage() throws Exception {
        OpenSsh.Result r = fx.ssh.run("no-such-command-4711");
        assertEquals(127, r.exit());
        assertTrue(r.stderr().contains("no-such-command-4711: command not found"), r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-tt"})
    void killedCommandIsReportedAsExitSignalLikeSshd(String tty) throws Exception {
        // sshd sends exit-signal, not a made-up code; the OpenSSH client then has no exit status and exits 255
        List<String> options = tty.isEmpty() ? List.of("-v") : List.of("-v", tty);
        OpenSsh.Result r = fx.ssh.run(options, null, "kill -KILL $$");
        assertEquals(255, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("rtype exit-signal"), r.stderr());
        assertTrue(r.stderr().contains("Exit status -1"), r.stderr());
    }

    @Test
    void killedCommandHasNoExitStatusInJsch() throws Exception {
        SshFixture.JschExec r = fx.jschExec("echo before; kill -TERM $$");
        assertEquals("before\n", r.out());
        assertEquals(-1, r.exitStatus());
    }

    @Test
    void exitCodeAbove128IsAnOrdinaryExitStatus() throws Exception {
        assertEquals(137, fx.ssh.run("exit 137").exit());
    }

    @Test
    void signalRequestReachesTheCommand() throws Exception {
        Session session = fx.jsch();
        try {
            ChannelExec exec = (ChannelExec) session.openChannel("exec");
            exec.setCommand("trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            exec.setOutputStream(out);
            exec.connect(20_000);
            Await.until("the command to trap TERM", Duration.ofSeconds(20), () -> out.toString().contains("ready"));
            exec.sendSignal("TERM");
            Await.until("exec to close", Duration.ofSeconds(20), exec::isClosed);
            assertEquals("ready\ngot-term\n", out.toString());
            assertEquals(7, exec.getExitStatus());
        } finally {
            session.disconnect();
        }
    }
}
