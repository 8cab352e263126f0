package dev.sandboxsshd.shell;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one identity switch for what the daemon does for a user: a fresh platform thread takes the user's whole
 * credentials for itself, so the kernel sees the user in every check it makes of that thread (files, sockets and
 * their owner, {@code SO_PEERCRED}, {@code /proc} ptrace-mode checks) and in every process it spawns.
 *
 * <p>In order: its own filesystem context ({@code unshare(CLONE_FS)}: a working directory and umask of its own),
 * supplementary groups, real/effective/saved gid, real/effective/saved uid, each with the raw syscall (glibc's
 * wrappers change every thread of the process). With all three uids the user's, the kernel clears the thread's
 * permitted and effective capabilities: it can never switch back. That is the decision: such a thread is never
 * pooled and dies with its work. Nothing that runs on it could return to root, so nothing the user sends can
 * influence it; a thread that already is someone else (one created by an identity thread) cannot take an identity
 * at all, and its work is refused.
 */
public final class UserIdentity {
    private static final Logger LOG = LoggerFactory.getLogger(UserIdentity.class);
    private static final boolean ARM = Platform.isARM();
    private static final long SYS_SETGROUPS = ARM ? 159 : 116;
    private static final long SYS_SETRESUID = ARM ? 147 : 117;
    private static final long SYS_SETRESGID = ARM ? 149 : 119;
    private static final int CLONE_FS = 0x200;
    /** sshd's default umask, for the daemon and for every identity thread. */
    public static final int DEFAULT_UMASK = 0022;
    private static final long STACK = 256 * 1024;

    private UserIdentity() {
    }

    /** Makes the calling thread the user for good; when the daemon already is that user, only the filesystem context. */
    public static void adopt(PosixUser user) {
        LibC c = LibC.INSTANCE;
        if (c.unshare(CLONE_FS) != 0) {
            throw new IllegalStateException("unshare(CLONE_FS) failed: " + c.strerror(Native.getLastError()));
        }
        c.umask(DEFAULT_UMASK);
        int[] uid = current(true);
        if (uid[0] == user.uid() && uid[1] == user.uid() && uid[2] == user.uid() && uid[0] != 0) {
            return; // a daemon running as the user itself
        }
        if (uid[1] != 0) {
            throw new IllegalStateException("cannot act as " + user.name() + ": this thread is uid " + uid[1] + ", not root");
        }
        int[] gids = user.groups().stream().mapToInt(Integer::intValue).toArray();
        syscall(SYS_SETGROUPS, "setgroups", gids.length, gids);
        syscall(SYS_SETRESGID, "setresgid", user.gid(), user.gid(), user.gid());
        syscall(SYS_SETRESUID, "setresuid", user.uid(), user.uid(), user.uid());
        int[] gid = current(false);
        uid = current(true);
        for (int i = 0; i < 3; i++) {
            if (uid[i] != user.uid() || gid[i] != user.gid()) {
                throw new IllegalStateException("identity of " + user.name() + " not taken: uid " + uid[i] + " gid " + gid[i]);
            }
        }
    }

    /**
     * Threads that take the user's identity before running anything; a thread that cannot take it runs nothing.
     */
    public static ThreadFactory threadsFor(PosixUser user, String name) {
        AtomicInteger count = new AtomicInteger();
        return work -> {
            Thread t = new Thread(null, () -> {
                try {
                    adopt(user);
                } catch (RuntimeException e) {
                    LOG.error("refused to run {} work: cannot take the identity of user={}: {}", name, user.name(), e.getMessage());
                    return;
                }
                work.run();
            }, name + "-" + user.name() + "-" + count.incrementAndGet(), STACK);
            t.setDaemon(true);
            return t;
        };
    }

    /** Runs one piece of work on a fresh thread that has taken the user's identity; the thread ends with it. */
    public static <T> CompletableFuture<T> callAs(PosixUser user, String name, Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(null, () -> {
            try {
                adopt(user);
                result.complete(work.call());
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
            }
        }, name + "-" + user.name(), STACK);
        t.setDaemon(true);
        t.start();
        return result;
    }

    /**
     * {@link #callAs} for a caller that waits: the work's IOException comes back as it was thrown, anything else as
     * an IOException with its message.
     */
    public static <T> T runAs(PosixUser user, String name, Duration timeout, Callable<T> work) throws IOException {
        try {
            return callAs(user, name, work).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getMessage() != null ? cause.getMessage() : cause.toString(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (TimeoutException e) {
            throw new IOException("no answer within " + timeout.toSeconds() + " s");
        }
    }

    /** The process umask, which applies to files created by every thread that has not unshared its own. */
    public static void setProcessUmask(int mask) {
        LibC.INSTANCE.umask(mask);
    }

    private static void syscall(long number, String name, Object... args) {
        if (LibC.INSTANCE.syscall(number, args) != 0) {
            throw new IllegalStateException(name + " failed: " + LibC.INSTANCE.strerror(Native.getLastError()));
        }
    }

    /** This thread's real, effective and saved uid (or gid); glibc's getres*id are plain syscalls. */
    private static int[] current(boolean uids) {
        int[] r = new int[1];
        int[] e = new int[1];
        int[] s = new int[1];
        int rc = uids ? LibC.INSTANCE.getresuid(r, e, s) : LibC.INSTANCE.getresgid(r, e, s);
        if (rc != 0) {
            throw new IllegalStateException("getres" + (uids ? "uid" : "gid") + " failed");
        }
        return new int[] {r[0], e[0], s[0]};
    }
}
