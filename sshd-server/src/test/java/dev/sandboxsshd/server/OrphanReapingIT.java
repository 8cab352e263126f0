package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a session leaves behind when its shell exits is re-parented to the daemon as the container's PID 1, and the
 * daemon reaps it: no zombie ever stays.
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

    private static void awaitNoZombie(SshFixture fx) throws Exception {
        try {
            Await.until("no zombie among the daemon's children", Duration.ofSeconds(10),
                    () -> Procs.childrenOf(fx.daemon.pid).stream().noneMatch(Procs.Proc::zombie));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + Procs.childrenOf(fx.daemon.pid));
        }
    }
}
