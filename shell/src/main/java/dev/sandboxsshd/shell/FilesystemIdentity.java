package dev.sandboxsshd.shell;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the calling platform thread a user's filesystem identity: supplementary groups (raw {@code setgroups}
 * syscall, which unlike glibc's wrapper changes only this thread), then fsgid, then fsuid. The kernel then checks
 * every open, mkdir, unlink, chmod, chown and connect of this thread exactly as for that user, and drops the
 * thread's filesystem capabilities. A thread that took an identity never goes back: it dies with its session.
 */
public final class FilesystemIdentity {
    private static final Logger LOG = LoggerFactory.getLogger(FilesystemIdentity.class);
    private static final long SYS_SETGROUPS = Platform.isARM() ? 159 : 116;
    /** sshd's default umask, set for the whole daemon at start. */
    public static final int DEFAULT_UMASK = 0022;

    private FilesystemIdentity() {
    }

    /** Switches the calling thread; a no-op when the process already is that user. */
    public static void adopt(PosixUser user) {
        LibC c = LibC.INSTANCE;
        if (c.geteuid() == user.uid() && !UserDatabase.runningAsRoot()) {
            return;
        }
        if (!UserDatabase.runningAsRoot()) {
            throw new IllegalStateException("cannot act as " + user.name() + ": the daemon is not root");
        }
        List<Integer> groups = user.groups();
        int[] gids = groups.stream().mapToInt(Integer::intValue).toArray();
        if (c.syscall(SYS_SETGROUPS, gids.length, gids) != 0) {
            throw new IllegalStateException("setgroups for " + user.name() + " failed: errno " + Native.getLastError());
        }
        c.setfsgid(user.gid());
        c.setfsuid(user.uid());
        // set*fsid report the previous value even on failure; asking with -1 reads the current one
        if (c.setfsgid(-1) != user.gid() || c.setfsuid(-1) != user.uid()) {
            throw new IllegalStateException("setfsuid/setfsgid to " + user.uid() + "/" + user.gid() + " failed");
        }
    }

    /**
     * Threads that take the user's filesystem identity before running anything; a thread that cannot take it runs
     * nothing at all.
     */
    public static ThreadFactory threadsFor(PosixUser user, String name) {
        AtomicInteger count = new AtomicInteger();
        return work -> {
            Thread t = new Thread(() -> {
                try {
                    adopt(user);
                } catch (RuntimeException e) {
                    LOG.error("refused to run {} work: cannot take the identity of user={}: {}", name, user.name(), e.getMessage());
                    return;
                }
                work.run();
            }, name + "-" + user.name() + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Runs one piece of work on a fresh thread that has taken the user's filesystem identity (for a connect, bind
     * or unlink that must be checked against the user's rights); the future fails if the identity cannot be taken.
     */
    public static <T> CompletableFuture<T> callAs(PosixUser user, String name, Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                adopt(user);
                result.complete(work.call());
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
            }
        }, name + "-" + user.name());
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** The process umask, which applies to files created by every thread; sshd's default is 022. */
    public static void setProcessUmask(int mask) {
        LibC.INSTANCE.umask(mask);
    }
}
