package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon is never alive but deaf: a flood that exhausts its heap for real (a small heap, and clients pushing
 * data into sessions whose processes never read it) ends either with the daemon gone, non-zero (the image
 * restarts it), or with a normal login succeeding within 10 s of the flood's end.
 */
class HeapFloodIT {
    /** Small enough that the flood below fills it: each channel may hold its window (2 MiB) of unread input. */
    static final String HEAP = "-Xmx40m";
    static final int CLIENTS = 40;

    @TempDir
    static Path dir;

    @Test
    void aFloodThatFillsTheHeapEndsInAnExitOrALogin() throws Exception {
        try (SshFixture fx = SshFixture.start(List.of("env", "JAVA_TOOL_OPTIONS=" + HEAP), dir)) {
            List<Process> flood = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS && fx.daemon.isAlive(); i++) {
                    flood.add(new ProcessBuilder(fx.ssh.sshArgs(List.of(), "exec sleep 600"))
                            .redirectInput(Path.of("/dev/zero").toFile()).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
                }
                Await.until("the daemon's heap to fill or the daemon to exit", Duration.ofSeconds(60),
                        () -> !fx.daemon.isAlive() || fx.daemon.log().contains("OutOfMemoryError"));
            } finally {
                flood.forEach(p -> DaemonProcess.killTree(p.toHandle()));
            }
            long ended = System.nanoTime();
            try {
                Await.until("the daemon to exit or a login to succeed", Duration.ofSeconds(10),
                        () -> !fx.daemon.isAlive() || fx.ssh.run("true").exit() == 0);
            } catch (AssertionError e) {
                List<String> log = fx.daemon.log().lines().toList();
                throw new AssertionError(e.getMessage() + "; the daemon's log ends:\n"
                        + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size())), e);
            }
            if (fx.daemon.isAlive()) {
                assertEquals(200, fx.daemon.status().status(), "the API answers too");
            } else {
                assertNotEquals(0, fx.daemon.awaitExit(Duration.ofSeconds(5)), "an exit after a VM error is a failure");
                fx.daemon.awaitLogLine("sandbox-sshd: exiting: ");
            }
            System.out.printf("flood over after %d ms: daemon %s%n", (System.nanoTime() - ended) / 1_000_000,
                    fx.daemon.isAlive() ? "serving" : "exited " + fx.daemon.awaitExit(Duration.ofSeconds(5)));
        }
    }
}
