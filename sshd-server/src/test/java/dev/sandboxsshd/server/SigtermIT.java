package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker stop}: SIGTERM hangs up every session as sshd does, closes the listeners and exits 0 within a few
 * seconds, with the state kept for the next start; as PID 1 it reaches every process of the container first.
 */
class SigtermIT {
    private static final Duration FEW_SECONDS = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    /** Where a session's process says which signal it got, in the user's home (the test reads it as root). */
    private final Path marker = TestUser.backend().home().resolve(".sbx-sigterm-" + ThreadLocalRandom.current().nextLong(1L << 40));

    @AfterEach
    void removeMarker() throws Exception {
        Files.deleteIfExists(marker);
    }

    @Test
    void sigtermHangsUpSessionsAndExitsZeroKeepingItsState() throws Exception {
        String fingerprint;
        ClientKey key;
        try (SshFixture fx = SshFixture.start(dir)) {
            key = fx.key;
            fingerprint = fx.daemon.status().body().get("host_key_fingerprint").asText();
            Process client = new ProcessBuilder(fx.ssh.sshArgs(List.of(), "trap 'echo hup > " + marker
                    + "; exit 0' HUP; echo ready; while :; do sleep 0.1; done")).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("ready", CompletableFuture.supplyAsync(() -> readLine(out)).get(20, TimeUnit.SECONDS));
                assertStopsWithin(fx.daemon, FEW_SECONDS);
                Await.until("the session to be hung up", Duration.ofSeconds(10), () -> contains(marker, "hup\n"));
            } finally {
                DaemonProcess.killTree(client.toHandle());
            }
        }
        SshFixture.restartedEnabled(dir, key, fingerprint).close();
    }

    @Test
    void asPid1SigtermReachesEveryProcessBeforeTheDaemonExits() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        try (SshFixture fx = SshFixture.start(OrphanReapingIT.AS_PID_1, dir)) {
            // its own session and process group, deaf to SIGHUP: only an init's SIGTERM to everyone reaches it
            OpenSsh.Result r = fx.ssh.run("setsid nohup bash -c 'trap \"echo term > " + marker + "; exit 0\" TERM; echo ready > "
                    + marker + "; while :; do sleep 0.1; done' </dev/null >/dev/null 2>&1 &");
            assertEquals(0, r.exit(), r.stderr());
            Await.until("the detached process to start", Duration.ofSeconds(20), () -> contains(marker, "ready\n"));
            assertStopsWithin(fx.daemon, FEW_SECONDS);
            assertEquals("term\n", Files.readString(marker), "what the detached process got before the daemon exited");
        }
    }

    private static void assertStopsWithin(DaemonProcess daemon, Duration limit) throws Exception {
        long start = System.nanoTime();
        ProcessHandle.of(daemon.pid).orElseThrow().destroy(); // SIGTERM
        int code = daemon.awaitExit(Duration.ofSeconds(30));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(0, code, "exit code after SIGTERM; log:\n" + daemon.log());
        assertTrue(took.compareTo(limit) < 0, "took " + took + " to stop");
        daemon.awaitLogLine("stopping on SIGTERM");
    }

    private static boolean contains(Path file, String text) throws Exception {
        return Files.exists(file) && Files.readString(file).equals(text);
    }

    private static String readLine(BufferedReader in) {
        try {
            return in.readLine();
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
