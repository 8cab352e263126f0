package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one identity switch for what the daemon does for a user: a fresh platform thread takes the user's credentials
 * for itself, so the kernel sees the user in every check it makes of that thread's actions (files, sockets and their
 * owner, {@code SO_PEERCRED}, other processes' {@code /proc}).
 *
 * <p>In order: its own filesystem context ({@code unshare(CLONE_FS)}: a working directory and umask of its own),
 * supplementary groups, real/effective/saved gid (the user's), then real and saved uid the holder id and effective
 * (so filesystem) uid the user's, each with the raw syscall (glibc's wrappers change every thread of the process).
 * With no uid left 0, the kernel clears the thread's permitted and effective capabilities: it can never switch back.
 * That is the decision: such a thread is never pooled and dies with its work. Nothing that runs on it could return
 * to root, so nothing the user sends can influence it; a thread that already is someone else (one created by an
 * identity thread) cannot take an identity at all, and its work is refused.
 *
 * <p>Why the holder id: the kernel lets a process signal a thread, change its limits ({@code prlimit}) or trace it
 * when the sender's real or effective uid is the thread's real or saved uid (for limits and tracing, all three of
 * its uids). An identity thread lives in the daemon's process, so with the user's real uid, the user's
 * {@code kill -KILL <tid>} would end the whole daemon. With the holder id there, the user gets EPERM for every one,
 * as from sshd's root processes. The holder id is the highest id of our user namespace's uid map that no account or
 * group has (65534, nobody, is never taken: processes run as nobody), so no process but these threads has it.
 * Its one visible effect: {@code access(2)} (not {@code faccessat(AT_EACCESS)}) checks the real uid, so code on an
 * identity thread never asks {@code access}; it does the operation. Processes the thread starts are wholly the user
 * from their first instruction of the user's program ({@link UserExec}).
 */
public final class UserIdentity {
    private static final Logger LOG = LoggerFactory.getLogger(UserIdentity.class);
    private static final String ARCH = System.getProperty("os.arch");
    private static final boolean X86_64 = ARCH.equals("amd64") || ARCH.equals("x86_64");
    private static final boolean AARCH64 = ARCH.equals("aarch64");
    private static final long SYS_SETGROUPS = AARCH64 ? 159 : 116;
    private static final long SYS_SETRESUID = AARCH64 ? 147 : 117;
    private static final long SYS_SETRESGID = AARCH64 ? 149 : 119;
    private static final int CLONE_FS = 0x200;
    private static final long NOBODY = 65534;
    private static final long NO_ID = 0xFFFFFFFFL;
    /** sshd's default umask, for the daemon and for every identity thread. */
    public static final int DEFAULT_UMASK = 0022;
    private static final long STACK = 256 * 1024;
    private static volatile Integer holder;

    private UserIdentity() {
    }

    /** Makes the calling thread the user for good; when the daemon already is that user, only the filesystem context. */
    public static void adopt(PosixUser user) {
        if (!X86_64 && !AARCH64) {
            throw new IllegalStateException("no system call numbers for the architecture " + ARCH
                    + " (x86_64 and aarch64 only): cannot act as a user here");
        }
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
        int holderId = holderId();
        if (holderId == user.uid()) {
            throw new IllegalStateException("cannot act as " + user.name() + ": their uid is the holder id " + holderId);
        }
        int[] gids = user.groups().stream().mapToInt(Integer::intValue).toArray();
        syscall(SYS_SETGROUPS, "setgroups", gids.length, gids);
        syscall(SYS_SETRESGID, "setresgid", user.gid(), user.gid(), user.gid());
        syscall(SYS_SETRESUID, "setresuid", holderId, user.uid(), holderId);
        int[] gid = current(false);
        uid = current(true);
        if (uid[0] != holderId || uid[1] != user.uid() || uid[2] != holderId
                || gid[0] != user.gid() || gid[1] != user.gid() || gid[2] != user.gid()) {
            throw new IllegalStateException("identity of " + user.name() + " not taken: uids " + uid[0] + " " + uid[1]
                    + " " + uid[2] + ", gids " + gid[0] + " " + gid[1] + " " + gid[2]);
        }
    }

    /** The real and saved uid of identity threads, chosen on first use (see the class comment). */
    public static int holderId() {
        Integer h = holder;
        if (h == null) {
            synchronized (UserIdentity.class) {
                if (holder == null) {
                    holder = chooseHolder(readUidMap());
                    LOG.info("identity threads hold uid {} as real and saved uid (no account or group has it)",
                            Integer.toUnsignedString(holder));
                }
                h = holder;
            }
        }
        return h;
    }

    /** Ranges of {@code /proc/self/uid_map}: {@code [first, first + count)} of ids valid in our namespace. */
    static List<long[]> readUidMap() {
        List<long[]> ranges = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/uid_map"))) {
                String[] f = line.trim().split("\\s+");
                ranges.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[2])});
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/self/uid_map: " + e.getMessage(), e);
        }
        return ranges;
    }

    /** From the top of the map down: the first id that is not 0, nobody or -1 and that no account or group has. */
    static int chooseHolder(List<long[]> ranges) {
        List<long[]> byTop = new ArrayList<>(ranges);
        byTop.sort((a, b) -> Long.compare(b[0] + b[1], a[0] + a[1]));
        int tried = 0;
        for (long[] range : byTop) {
            for (long id = range[0] + range[1] - 1; id >= range[0] && id > 0 && tried < 10_000; id--) {
                if (id == NO_ID || id == NOBODY) {
                    continue;
                }
                tried++;
                if (UserDatabase.byUid((int) id).isEmpty() && UserDatabase.groupName((int) id).isEmpty()) {
                    return (int) id;
                }
            }
        }
        throw new IllegalStateException("no uid in our user namespace's map is free to hold identity threads");
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
