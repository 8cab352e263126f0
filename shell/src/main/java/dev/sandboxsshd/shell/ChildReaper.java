package dev.sandboxsshd.shell;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of {@code waitpid} in the daemon: a single thread waits for any child, {@code waitpid(-1)}, and
 * completes the exit of the process it reaped, or just reaps it when it is nobody's: an orphan re-parented to us
 * (as PID 1, or as the child subreaper), or the child glibc's {@code posix_spawn} made for an exec that failed.
 * One thread for all of them: a {@code waitpid(pid)} anywhere else (the JDK's {@code ProcessBuilder} included)
 * would race it for statuses, so the daemon has none.
 *
 * <p>A child may end before its pid is known: {@code posix_spawn} returns after the exec, and a quick command may have
 * ended, and been reaped, by then. So a spawn runs under the lock the reaper takes before it looks a reaped pid up, and
 * the pid is registered before the lock is released: the reaper either finds the registration or waits for it. A spawn
 * that failed registers nothing; glibc's own {@code waitpid} for its failed child then finds it already reaped (and
 * reaped as nobody's), or reaps it first. Spawns are serialised by this, but each holds the lock only until the child
 * has exec'd (glibc's vfork), and no other code makes children that could take a pid reaped in between.
 *
 * <p>With no child at all {@code waitpid(-1)} fails with ECHILD at once: the thread then waits for the next spawn,
 * or one second, since as PID 1 orphans (of a {@code docker exec}, say) can be re-parented to us at any time.
 *
 * <p>Exits are completed on the reaper thread: their dependents must not block (use the async forms).
 */
public final class ChildReaper {
    private static final Logger LOG = LoggerFactory.getLogger(ChildReaper.class);
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final long IDLE_MILLIS = 1000;
    private static final long STACK = 128 * 1024;
    private static final LibC C = LibC.INSTANCE;
    private static final ChildReaper INSTANCE = new ChildReaper();

    private final Object lock = new Object();
    private final Map<Integer, CompletableFuture<ExitStatus>> exits = new HashMap<>();
    /** Spawns so far: an idle reaper that missed one does not wait. */
    private long spawns;
    /** How often the reaper has found no child at all, for {@link #awaitNoChildren}. */
    private long childless;

    /** A spawned process: its pid, and its exit as the reaper saw it. */
    public record Child(int pid, CompletableFuture<ExitStatus> exit) {
    }

    /** The spawn itself, run under the reaper's lock: the child's pid. */
    interface Spawn {
        int spawn() throws IOException;
    }

    private ChildReaper() {
        // started by whoever first needs the reaper: the daemon's main thread, so it is root's, not a user's
        Thread t = new Thread(null, this::run, "child-reaper", STACK);
        t.setDaemon(true);
        t.start();
    }

    /** The reaper, started on first use. */
    public static ChildReaper get() {
        return INSTANCE;
    }

    /** Whether the daemon is the init of its pid namespace (a container's ENTRYPOINT): every orphan is ours. */
    public static boolean isPid1() {
        return C.getpid() == 1;
    }

    /**
     * Makes the orphans of sessions ours to reap (and to hang up): as PID 1 they are already; otherwise the daemon
     * becomes the child subreaper, so they are re-parented to it instead of to an init that may never reap them.
     */
    public void adoptOrphans() {
        if (isPid1()) {
            LOG.info("reaping orphans as PID 1");
        } else if (C.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0) {
            LOG.info("child subreaper: orphans of sessions are re-parented to the daemon and reaped");
        } else {
            LOG.warn("cannot become the child subreaper: {}; orphans of sessions go to init",
                    C.strerror(Native.getLastError()));
        }
    }

    Child spawn(Spawn spawn) throws IOException {
        synchronized (lock) {
            int pid = spawn.spawn();
            CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
            exits.put(pid, exit);
            spawns++;
            lock.notifyAll();
            return new Child(pid, exit);
        }
    }

    /**
     * Waits until the reaper has found no child left (every one reaped), or the timeout.
     *
     * @return whether none was left
     */
    public boolean awaitNoChildren(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            long seen = childless;
            lock.notifyAll(); // an idle reaper looks again now
            while (childless == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    private void run() {
        int[] status = new int[1];
        while (true) {
            long spawnsBefore;
            synchronized (lock) {
                spawnsBefore = spawns;
            }
            int pid = C.waitpid(-1, status, 0);
            if (pid > 0) {
                reaped(pid, ExitStatus.fromWaitStatus(status[0]));
                continue;
            }
            int errno = Native.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno != Errno.ECHILD) {
                LOG.error("waitpid failed: {}", C.strerror(errno));
            }
            idle(spawnsBefore, errno == Errno.ECHILD);
        }
    }

    private void reaped(int pid, ExitStatus status) {
        CompletableFuture<ExitStatus> exit;
        synchronized (lock) {
            exit = exits.remove(pid);
        }
        if (exit != null) {
            exit.complete(status);
        } else {
            LOG.debug("reaped pid {}, not a session's: {}", pid, status);
        }
    }

    private void idle(long spawnsBefore, boolean noChild) {
        synchronized (lock) {
            if (noChild) {
                childless++;
                lock.notifyAll();
            }
            if (spawns != spawnsBefore) {
                return; // a child came after the waitpid began
            }
            try {
                lock.wait(IDLE_MILLIS);
            } catch (InterruptedException e) {
                // nobody interrupts this thread; look again
            }
        }
    }
}
