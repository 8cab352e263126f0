package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a session leaves behind when its shell exits is re-parented to the daemon (as the container's PID 1, or as
 * the child subreaper it makes itself otherwise), and the daemon reaps it: no zombie ever stays.
 */
class OrphanReapingIT {
    /** The daemon as the init of a pid namespace of its own, as a container's ENTRYPOINT is. */
    static final List<String> AS_PID_1 = List.of("unshare", "--pid", "--fork", "--mount-proc");

    @TempDir
    Path dir;

    @Test
    void asPid1TheOrphansOfASessionAreReaped() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        try (SshFixture fx = SshFixture.start(AS_PID_1, dir)) {
            assertEquals(1, fx.daemon.ownPid);
            OpenSsh.Result r = fx.ssh.run("(sleep 1 &); nohup sh -c \"sleep 1\" &");
            assertEquals(0, r.exit(), r.stderr());
            // Both held the session's output open, so they are ending now; in the namespace only the daemon can
            // be their parent.
            Await.until("the orphans to end", Duration.ofSeconds(20), () -> Procs.childrenOf(fx.daemon.pid).stream()
                    .noneMatch(p -> !p.zombie() && (p.comm().equals("sleep") || p.comm().equals("sh"))));
            awaitNoZombie(fx);
            fx.daemon.awaitLogLine("reaping orphans as PID 1");
        }
    }

    @Test
    void notPid1TheDaemonIsTheSubreaperOfItsSessions() throws Exception {
        try (SshFixture fx = SshFixture.start(dir)) {
            String command = "sleep " + (1_000_000 + ThreadLocalRandom.current().nextLong(1_000_000_000L));
            OpenSsh.Result r = fx.ssh.run("(" + command + " >/dev/null 2>&1 &); echo started");
            assertEquals("started\n", r.out(), r.stderr());
            Procs.Proc[] orphan = {null};
            try {
                Await.until(command + " to be re-parented to the daemon", Duration.ofSeconds(20), () -> {
                    Optional<Procs.Proc> p = Procs.all().stream().filter(q -> q.cmdline().equals(command)).findFirst();
                    p.ifPresent(q -> orphan[0] = q);
                    return p.isPresent() && p.get().ppid() == fx.daemon.pid;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; its parent is " + (orphan[0] == null ? "unknown"
                        : Procs.of(orphan[0].ppid()).map(Object::toString).orElse(Long.toString(orphan[0].ppid()))), e);
            } finally {
                if (orphan[0] != null) {
                    ProcessHandle.of(orphan[0].pid()).ifPresent(ProcessHandle::destroy);
                }
            }
            long pid = orphan[0].pid();
            Await.until(command + " to be reaped", Duration.ofSeconds(20), () -> Procs.of(pid).isEmpty());
            awaitNoZombie(fx);
            fx.daemon.awaitLogLine("child subreaper");
        }
    }

    private static void awaitNoZombie(SshFixture fx) throws Exception {
        try {
            Await.until("no zombie among the daemon's children", Duration.ofSeconds(10),
                    () -> Procs.childrenOf(fx.daemon.pid).stream().noneMatch(Procs.Proc::zombie));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + Procs.childrenOf(fx.daemon.pid));
        }
    }
}
