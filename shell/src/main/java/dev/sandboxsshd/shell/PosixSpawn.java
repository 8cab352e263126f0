package dev.sandboxsshd.shell;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

/**
 * glibc's {@code posix_spawn}: the child leads a new session, has default signal dispositions and an empty mask,
 * inherits only the descriptors it is given (the JVM's own never leak into a user's process), and is our own child, so
 * {@code waitpid} gives us its full wait status (the JDK and pty4j keep only 128+N for a killed child); the
 * {@link ChildReaper} is the one that waits. The child
 * starts with the credentials, working directory and umask of the calling thread (see {@link UserIdentity}).
 */
final class PosixSpawn {
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    private static final LibC C = LibC.INSTANCE;

    /**
     * One file action: make {@code target} a copy of {@code fd} (one of ours, or a target set by an earlier action),
     * or open {@code path} there. Every descriptor above the highest target is closed.
     */
    record Stdio(int target, int fd, String path) {
        static Stdio dup(int fd, int target) {
            return new Stdio(target, fd, null);
        }

        static Stdio open(String path, int target) {
            return new Stdio(target, -1, path);
        }
    }

    private PosixSpawn() {
    }

    /** The spawn itself failed (the exec included): the errno, as glibc reports it from the child. */
    static final class Failed extends IOException {
        final int errno;

        Failed(String path, int errno) {
            super("cannot run " + path + ": " + C.strerror(errno));
            this.errno = errno;
        }
    }

    /** Runs {@code path} with {@code argv} (whose first word is what the program sees as its name). */
    static int spawn(String path, List<String> argv, Map<String, String> environment, List<Stdio> stdio)
            throws IOException {
        Memory actions = new Memory(256);
        Memory attr = new Memory(1024);
        Memory sigset = new Memory(128);
        check(C.posix_spawn_file_actions_init(actions), "file actions");
        check(C.posix_spawnattr_init(attr), "spawn attributes");
        try {
            int firstUnused = 3;
            for (Stdio s : stdio) {
                firstUnused = Math.max(firstUnused, s.target() + 1);
            }
            for (Stdio s : stdio) {
                if (s.path() != null) {
                    check(C.posix_spawn_file_actions_addopen(actions, s.target(), s.path(), O_RDWR, 0), "open " + s.path());
                } else if (s.fd() >= 3 && s.fd() < firstUnused) {
                    // a descriptor of ours where an earlier action may already have put another: never in a JVM,
                    // whose own files hold the lowest numbers from its start, so refused rather than shuffled
                    throw new IOException("posix_spawn setup failed: descriptor " + s.fd() + " is below " + firstUnused);
                } else {
                    check(C.posix_spawn_file_actions_adddup2(actions, s.fd(), s.target()), "dup2");
                }
            }
            check(C.posix_spawn_file_actions_addclosefrom_np(actions, firstUnused), "closefrom");
            check(C.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
                    "flags");
            C.sigemptyset(sigset);
            check(C.posix_spawnattr_setsigmask(attr, sigset), "sigmask");
            C.sigfillset(sigset);
            check(C.posix_spawnattr_setsigdefault(attr, sigset), "sigdefault");

            String[] env = environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
            IntByReference pid = new IntByReference();
            int rc = C.posix_spawn(pid, path, actions, attr, new StringArray(argv.toArray(String[]::new)),
                    new StringArray(env));
            if (rc != 0) {
                throw new Failed(path, rc);
            }
            return pid.getValue();
        } finally {
            C.posix_spawn_file_actions_destroy(actions);
            C.posix_spawnattr_destroy(attr);
        }
    }

    /** A pipe whose both ends are close-on-exec; {@code [read, write]}. */
    static int[] pipe() throws IOException {
        int[] fds = new int[2];
        if (C.pipe2(fds, O_CLOEXEC) != 0) {
            throw new IOException("pipe2 failed: " + C.strerror(Native.getLastError()));
        }
        return fds;
    }

    static void close(int fd) {
        if (fd >= 0) {
            C.close(fd);
        }
    }

    private static void check(int rc, String what) throws IOException {
        if (rc != 0) {
            throw new IOException("posix_spawn setup failed (" + what + "): " + C.strerror(rc));
        }
    }
}
