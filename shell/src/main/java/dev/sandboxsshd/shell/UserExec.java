package dev.sandboxsshd.shell;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Native;

/**
 * The first program of every user process: {@code user-exec} (src/main/c/user-exec.c, built by
 * {@code bin/build-user-exec}), a few hundred bytes with no libc, kept in a sealed memfd of the daemon.
 *
 * <p>Why: an identity thread's real and saved uid are the holder id (see {@link UserIdentity}), so a process it
 * spawns would start with mixed ids, and its exec would be a secure one (AT_SECURE), for which the dynamic loader
 * drops LD_LIBRARY_PATH, LD_PRELOAD, TMPDIR and more from the environment and the kernel lowers RLIMIT_STACK to
 * 8 MiB. user-exec runs no loader, makes every uid and gid the effective one (each new id is one the process
 * already has, so no privilege is needed), restores the stack limit and executes the user's program, whose exec
 * is then an ordinary one: the process the user gets has every id theirs from its first instruction, its
 * environment as given. The spawning thread is never fully the user at any moment.
 *
 * <p>Why a memfd: sealed against writes, it cannot be changed by anyone, needs no file on disk that someone could
 * replace, and is executed through {@code /proc/self/fd/4} of the child (its own descriptor: the kernel allows a
 * process its own fds whoever it is). Its mode is 0777, so the user's effective uid may execute it.
 */
final class UserExec {
    /** Where the spawned child finds the pipe for a failure's errno, and this program. */
    static final int ERROR_FD = 3;
    static final int SELF_FD = 4;
    static final String PATH = "/proc/self/fd/" + SELF_FD;
    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int F_ADD_SEALS = 1033;
    private static final int SEALS = 0x1 | 0x2 | 0x4 | 0x8; // F_SEAL_SEAL, SHRINK, GROW, WRITE
    private static final int RLIMIT_STACK = 3;
    private static final LibC C = LibC.INSTANCE;
    private static volatile int fd = -1;

    private UserExec() {
    }

    /** The memfd, made on first use (by a root thread: the launcher makes it when it is made). */
    static int fd() throws IOException {
        int f = fd;
        if (f >= 0) {
            return f;
        }
        synchronized (UserExec.class) {
            if (fd < 0) {
                fd = load();
            }
            return fd;
        }
    }

    /** The architecture's copy; {@code os.arch} names amd64 what the kernel and gcc call x86_64. */
    static String resource() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "user-exec.x86_64";
            case "aarch64" -> "user-exec.aarch64";
            default -> throw new IllegalStateException("no user-exec for the architecture " + arch
                    + " (x86_64 and aarch64 only)");
        };
    }

    private static int load() throws IOException {
        byte[] program;
        try (InputStream in = UserExec.class.getResourceAsStream(resource())) {
            if (in == null) {
                throw new IOException("the resource " + resource() + " is missing from the jar");
            }
            program = in.readAllBytes();
        }
        int f = C.memfd_create("sandbox-sshd-user-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (f < 0) {
            throw new IOException("memfd_create failed: " + C.strerror(Native.getLastError()));
        }
        if (C.write(f, program, program.length) != program.length || C.fcntl(f, F_ADD_SEALS, SEALS) != 0) {
            String reason = C.strerror(Native.getLastError());
            C.close(f);
            throw new IOException("cannot seal user-exec in a memfd: " + reason);
        }
        return f;
    }

    /**
     * user-exec's arguments: the stack limit to restore, then "p" and the one path to run as it is, or "s" and the
     * candidates of a PATH search, then the program's own argv.
     */
    static List<String> argv(boolean search, List<String> candidates, List<String> programArgv) {
        List<String> argv = new ArrayList<>(candidates.size() + programArgv.size() + 4);
        argv.add("sandbox-sshd-user-exec");
        argv.add(stackLimit());
        argv.add(search ? "s" : "p");
        argv.add(Integer.toString(candidates.size()));
        argv.addAll(candidates);
        argv.addAll(programArgv);
        return argv;
    }

    /** The daemon's soft stack limit, which its children inherit without the helper (as sshd's do). */
    private static String stackLimit() {
        long[] limit = new long[2];
        if (C.getrlimit(RLIMIT_STACK, limit) != 0) {
            throw new IllegalStateException("getrlimit failed: " + C.strerror(Native.getLastError()));
        }
        return limit[0] == -1L ? "-" : Long.toUnsignedString(limit[0]);
    }
}
