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
 * The daemon is never alive but deaf: a flood that exhausts its heap or its file descriptors for real ends either
 * with the daemon gone, non-zero (the image restarts it), or with a normal login succeeding within 10 s of the
 * flood's end.
 */
class NeverDeafIT {
    /** Small enough that the flood below fills it: each channel may hold its window (2 MiB) of unread input. */
    static final String HEAP = "-Xmx40m";
    static final int CLIENTS = 40;

    @TempDir
    static Path dir;

    /** A small heap, and clients pushing data into sessions whose processes never read it. */
    @Test
    void aFloodThatFillsTheHeapEndsInAnExitOrALogin() throws Exception {
        try (SshFixture fx = SshFixture.start(List.of("env", "JAVA_TOOL_OPTIONS=" + HEAP), dir.resolve("heap"))) {
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

    /**
     * RLIMIT_NOFILE 128 and sessions until the daemon's descriptors run out (accept and pipe2 fail with EMFILE):
     * MINA's acceptor re-arms after a failed accept, so once the sessions end the listener takes logins again.
     */
    @Test
    void descriptorsRunOutAndTheListenerAcceptsOnceSessionsEnd() throws Exception {
        try (SshFixture fx = SshFixture.start(List.of("prlimit", "--nofile=128:128", "--"), dir.resolve("fds"))) {
            List<Process> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) { // a session takes a socket and three pipes: 240 and more
                    flood.add(new ProcessBuilder(fx.ssh.sshArgs(List.of(), "exec sleep 600"))
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
                }
                Await.until("the daemon's descriptors to run out", Duration.ofSeconds(60),
                        () -> fx.daemon.log().contains("Too many open files"));
            } finally {
                flood.forEach(p -> DaemonProcess.killTree(p.toHandle()));
            }
            long ended = System.nanoTime();
            Await.until("a login after the flood", Duration.ofSeconds(10), () -> fx.ssh.run("true").exit() == 0);
            assertEquals(200, fx.daemon.status().status(), "the API answers too");
            System.out.printf("descriptors back: login %d ms after the flood%n", (System.nanoTime() - ended) / 1_000_000);
        }
    }
}
