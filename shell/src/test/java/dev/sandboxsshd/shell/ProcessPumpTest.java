package dev.sandboxsshd.shell;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The one exit path, with real processes on pipes and on a terminal, as the daemon's own user. */
class ProcessPumpTest {
    private static final long DEADLINE_SECONDS = 20;
    private static final SpawnLauncher LAUNCHER = SpawnLauncher.forThisProcess();

    /** Output as it arrived, and the exit, with what had arrived by then. */
    private static final class Client {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CompletableFuture<String> exit = new CompletableFuture<>();
        final InputQueue input = new InputQueue();
        final AtomicInteger released = new AtomicInteger();
        ProcessPump pump;

        Client(UserProcess process) {
            pump = ProcessPump.start(process, input, (b, off, len) -> write(out, b, off, len),
                    (b, off, len) -> write(err, b, off, len), "pump-test",
                    status -> exit.complete(status + " out=" + text(out) + " err=" + text(err)));
        }

        void type(String text) {
            byte[] bytes = text.getBytes(UTF_8);
            input.add(bytes, bytes.length, released::incrementAndGet);
        }

        String awaitExit() throws Exception {
            return exit.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }

        private static void write(ByteArrayOutputStream to, byte[] b, int off, int len) {
            synchronized (to) {
                to.write(b, off, len);
            }
        }

        private static String text(ByteArrayOutputStream from) {
            synchronized (from) {
                return from.toString(UTF_8);
            }
        }
    }

    private static LaunchSpec sh(String script) {
        PosixUser user = UserDatabase.current();
        return new LaunchSpec(user, List.of("/bin/sh", "-c", script), Map.of("PATH", "/usr/bin:/bin"),
                user.home(), true);
    }

    @Test
    void pipesPassInputAndEofOnAndReportTheExitAfterAllOutput() throws Exception {
        Client client = new Client(LAUNCHER.startPiped(sh("cat; echo gone >&2; exit 3")));
        client.type("hello ");
        client.type("world");
        client.input.eof();
        assertEquals("ExitStatus[exitCode=3, signal=0, coreDumped=false] out=hello world err=gone\n",
                client.awaitExit());
        assertEquals(2, client.released.get());
    }

    @Test
    void aTerminalHeldOpenByABackgroundJobStillEndsWithTheExit() throws Exception {
        // the job leaves the shell's session, so nothing hangs it up, and keeps the terminal open on its stdout
        Client client = new Client(LAUNCHER.startPty(sh("setsid sleep 60 </dev/null & echo job $!"),
                new PtySize(80, 24), TerminalModes.NONE, null));
        String exit = client.awaitExit();
        Matcher job = Pattern.compile("job (\\d+)").matcher(exit);
        assertTrue(job.find(), exit);
        long jobPid = Long.parseLong(job.group(1));
        try {
            assertTrue(exit.startsWith("ExitStatus[exitCode=0, signal=0,"), exit);
        } finally {
            ProcessSignals.signal(jobPid, ProcessSignals.SIGKILL);
        }
    }

    @Test
    void hangUpEndsAProcessOnATerminalWithSighup() throws Exception {
        Client client = new Client(LAUNCHER.startPty(sh("exec cat"), new PtySize(80, 24), TerminalModes.NONE, null));
        client.pump.hangUp();
        assertTrue(client.awaitExit().startsWith("ExitStatus[exitCode=0, signal=" + ProcessSignals.SIGHUP + ","));
    }
}
