package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dropped client hangs up its session as sshd does: nothing of it survives, except what detached (tmux). */
class HangupIT {
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

    @Test
    void droppedExecSessionLeavesNoProcess() throws Exception {
        assertNothingSurvives(List.of(), "sleep %d & sleep %d; wait");
    }

    @Test
    void droppedTerminalSessionLeavesNoProcess() throws Exception {
        assertNothingSurvives(List.of("-tt"), "sleep %d & sleep %d; wait");
    }

    @Test
    void droppedInteractiveShellHangsUpItsForegroundJob() throws Exception {
        long a = unique();
        Process client = new ProcessBuilder(fx.ssh.sshArgs(List.of("-tt"))).start();
        try {
            client.getOutputStream().write(("sleep " + a + "\n").getBytes());
            client.getOutputStream().flush();
            Await.until("the job to start", Duration.ofSeconds(20), () -> running(a));
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
        Await.until("the job to be hung up", Duration.ofSeconds(20), () -> !running(a));
    }

    /** As with sshd: the terminal's hangup reaches the shell, which hangs up its jobs (no huponexit needed). */
    @Test
    void droppedInteractiveShellHangsUpItsBackgroundJob() throws Exception {
        long a = unique();
        Process client = new ProcessBuilder(fx.ssh.sshArgs(List.of("-tt"))).start();
        try {
            client.getOutputStream().write(("sleep " + a + " &\n").getBytes());
            client.getOutputStream().flush();
            Await.until("the job to start", Duration.ofSeconds(20), () -> running(a));
            DaemonProcess.killTree(client.toHandle());
            Await.until("the job to be hung up", Duration.ofSeconds(20), () -> !running(a));
        } finally {
            DaemonProcess.killTree(client.toHandle());
            sleeps(a).forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void tmuxStartedInASessionSurvivesTheDisconnect() throws Exception {
        String server = "sbx-hangup-" + unique();
        try {
            OpenSsh.Result start = fx.ssh.run("tmux -L " + server + " new -d -s kept 'sleep 3600'; tmux -L " + server + " ls");
            assertEquals(0, start.exit(), start.stderr());
            assertTrue(start.out().startsWith("kept: 1 windows"), start.out());
            OpenSsh.Result later = fx.ssh.run("tmux -L " + server + " ls");
            assertEquals(0, later.exit(), later.stderr());
            assertTrue(later.out().startsWith("kept: 1 windows"), later.out());
        } finally {
            fx.ssh.run("tmux -L " + server + " kill-server");
        }
    }

    private static void assertNothingSurvives(List<String> options, String template) throws Exception {
        long a = unique();
        long b = a + 1;
        Process client = new ProcessBuilder(fx.ssh.sshArgs(options, String.format(template, a, b))).start();
        try {
            Await.until("both sleeps to start", Duration.ofSeconds(20), () -> running(a) && running(b));
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
        Await.until("the session's processes to end", Duration.ofSeconds(20), () -> !running(a) && !running(b));
    }

    private static long unique() {
        return 1_000_000 + ThreadLocalRandom.current().nextLong(1_000_000_000L);
    }

    private static boolean running(long marker) {
        return sleeps(marker).findAny().isPresent();
    }

    private static Stream<ProcessHandle> sleeps(long marker) {
        // the JDK reports the command as the executable's full path, the arguments separately
        String[] args = {Long.toString(marker)};
        return ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/sleep")
                && Arrays.equals(args, p.info().arguments().orElse(null)));
    }
}
