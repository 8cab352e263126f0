package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import com.sun.jna.Native;

/**
 * Resolves a path for the user and refuses it when it reaches the daemon's own process in procfs. A thread of ours
 * with the user's ids may always read its own process's {@code /proc} (the kernel's {@code ptrace_may_access} lets
 * a thread group see itself), so the kernel's answer cannot be passed on here; the check is ours, made on the object
 * actually resolved, never on the client's path string:
 * <ul>
 * <li>the path is resolved by {@code openat2(O_PATH, RESOLVE_NO_MAGICLINKS)}, so no magic link ({@code cwd},
 *     {@code root}, {@code exe}, {@code fd/N}) is followed by the kernel unchecked;</li>
 * <li>a result on procfs is refused when the kernel's own name of it (its {@code /proc/self/fd/N} link, placed
 *     below the procfs mount it is on) starts with our pid or one of our thread ids, whatever path reached it
 *     ({@code /proc/self}, {@code /proc/thread-self}, {@code /proc/<tid>}, symlinks, another procfs mount);</li>
 * <li>a path with a magic link in it (or a kernel without openat2) is walked one component at a time: plain symlinks
 *     are expanded here, a procfs link is refused when it is ours and otherwise followed by the kernel.</li>
 * </ul>
 * The caller gets an {@code O_PATH} descriptor and works on that object (through {@link #fdPath}), so a path swapped
 * after the check cannot win. Cost on a path that is not in procfs: one openat2 and one fstatfs.
 */
public final class OwnProcfs {
    /** The reason every refusal gives (and logs). */
    public static final String REASON = "the daemon's own process";
    static final int STATFS_SIZE = 120;

    private static final LibC C = LibC.INSTANCE;
    private static final long PROC_SUPER_MAGIC = 0x9fa0;
    /** openat2's number in the generic table, which x86_64 and aarch64 both use for it. */
    private static final long SYS_OPENAT2 = 437;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long OPEN_HOW_SIZE = 24;
    private static final int AT_FDCWD = -100;
    private static final int O_PATH = 010000000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_CLOEXEC = 02000000;
    /** The kernel's own limit on symlinks in one resolution. */
    private static final int MAX_LINKS = 40;
    private static final int PID = C.getpid();
    private static final boolean OPENAT2_KNOWN = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64", "aarch64" -> true;
        default -> false;
    };
    /** Set once the kernel (or a seccomp filter) answers ENOSYS: every path is then walked. */
    private static volatile boolean openat2Missing = !OPENAT2_KNOWN;
    /** The procfs mounts (mount point, root within procfs), reread when a name is below none of them. */
    private static volatile List<String[]> procMounts = List.of();

    /** The path reached the daemon's own process. */
    public static final class Refused extends AccessDeniedException {
        private static final long serialVersionUID = 1L;

        Refused(String path) {
            super(path, null, REASON);
        }
    }

    private OwnProcfs() {
    }

    /**
     * An {@code O_PATH} descriptor of what {@code path} names (the symlink itself when {@code follow} is false), for
     * the caller to close with {@link #close}.
     *
     * @throws Refused when it is, or the path went through, the daemon's own process in procfs
     * @throws java.nio.file.FileSystemException with the kernel's errno otherwise (as the JDK would throw it)
     */
    public static int open(String path, boolean follow) throws IOException {
        if (path.indexOf('\0') >= 0) {
            throw new java.nio.file.InvalidPathException(path, "path contains a NUL byte");
        }
        int flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
        if (!openat2Missing) {
            long[] how = {flags, 0, RESOLVE_NO_MAGICLINKS};
            int fd = (int) DirectLibC.syscall(SYS_OPENAT2, AT_FDCWD, path, how, OPEN_HOW_SIZE);
            if (fd >= 0) {
                return checked(path, fd);
            }
            int errno = Native.getLastError();
            if (errno == Errno.ENOSYS) {
                openat2Missing = true;
            } else if (errno != Errno.ELOOP) {
                throw Errno.exception(path, errno);
            }
        }
        return walk(path, follow);
    }

    /** Checks {@code path} as {@link #open} does and lets the descriptor go. */
    public static void check(String path, boolean follow) throws IOException {
        close(open(path, follow));
    }

    /** The name through which the object of {@code fd} is opened again, stat'ed or listed. */
    public static String fdPath(int fd) {
        return "/proc/self/fd/" + fd;
    }

    /** The target of the symlink {@code path} names, read from the checked object itself. */
    public static String readLink(String path) throws IOException {
        int fd = open(path, false);
        try {
            byte[] buf = new byte[4096];
            long length = C.readlinkat(fd, "", buf, buf.length);
            if (length < 0) {
                int errno = Native.getLastError();
                throw Errno.exception(path, errno == Errno.ENOENT ? Errno.EINVAL : errno); // "" names no link
            }
            return new String(buf, 0, (int) length, StandardCharsets.UTF_8);
        } finally {
            close(fd);
        }
    }

    public static void close(int fd) {
        if (fd >= 0) {
            DirectLibC.close(fd);
        }
    }

    private static int checked(String path, int fd) throws IOException {
        try {
            if (ours(fd)) {
                throw new Refused(path);
            }
        } catch (IOException | RuntimeException e) {
            DirectLibC.close(fd);
            throw e;
        }
        return fd;
    }

    static int walk(String path, boolean follow) throws IOException {
        Deque<String> rest = new ArrayDeque<>();
        push(rest, path);
        int cur = C.openat(AT_FDCWD, path.startsWith("/") ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (cur < 0) {
            throw Errno.exception(path, Native.getLastError());
        }
        int links = 0;
        byte[] target = new byte[4096];
        try {
            while (!rest.isEmpty()) {
                String name = rest.pollFirst();
                int next = C.openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
                if (next < 0) {
                    throw Errno.exception(path, Native.getLastError());
                }
                long length = rest.isEmpty() && !follow ? -1 : C.readlinkat(next, "", target, target.length);
                if (length < 0) { // not a symlink, or the last one, not followed
                    C.close(cur);
                    cur = next;
                    continue;
                }
                if (++links > MAX_LINKS) {
                    C.close(next);
                    throw Errno.exception(path, Errno.ELOOP);
                }
                if (onProcfs(next)) {
                    boolean refused = ours(next);
                    C.close(next);
                    if (refused) {
                        throw new Refused(path);
                    }
                    next = C.openat(cur, name, O_PATH | O_CLOEXEC, 0); // the kernel follows a link not ours
                    if (next < 0) {
                        throw Errno.exception(path, Native.getLastError());
                    }
                    C.close(cur);
                    cur = next;
                    continue;
                }
                C.close(next);
                String link = new String(target, 0, (int) length, StandardCharsets.UTF_8);
                push(rest, link);
                if (link.startsWith("/")) {
                    C.close(cur);
                    cur = C.openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
                    if (cur < 0) {
                        throw Errno.exception(path, Native.getLastError());
                    }
                }
            }
            int result = checked(path, cur);
            cur = -1;
            return result;
        } finally {
            close(cur);
        }
    }

    /** Puts the components of {@code path} in front of {@code rest}, in order. */
    private static void push(Deque<String> rest, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty() && !parts[i].equals(".")) {
                rest.addFirst(parts[i]);
            }
        }
    }

    private static boolean onProcfs(int fd) throws IOException {
        byte[] buf = new byte[STATFS_SIZE];
        if (DirectLibC.fstatfs(fd, buf) != 0) {
            throw Errno.exception(fdPath(fd), Native.getLastError());
        }
        return ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder()).getLong(0) == PROC_SUPER_MAGIC;
    }

    /** Whether {@code fd} is in procfs below our pid or one of our thread ids. */
    private static boolean ours(int fd) throws IOException {
        if (!onProcfs(fd)) {
            return false;
        }
        byte[] buf = new byte[4096];
        long length = DirectLibC.readlink(fdPath(fd), buf, buf.length);
        if (length < 0) {
            throw Errno.exception(fdPath(fd), Native.getLastError());
        }
        String name = new String(buf, 0, (int) length, StandardCharsets.UTF_8);
        String inProcfs = belowProcfs(name, procMounts);
        if (inProcfs == null) {
            procMounts = readProcMounts();
            inProcfs = belowProcfs(name, procMounts);
        }
        if (inProcfs == null) { // a procfs object we cannot place: not the user's to reach through us
            return true;
        }
        return isOurTask(firstComponent(inProcfs));
    }

    static String belowProcfs(String name, List<String[]> mounts) {
        String best = null;
        int bestLength = -1;
        for (String[] m : mounts) {
            String point = m[0];
            String root = m[1];
            String rest;
            if (name.equals(point)) {
                rest = "";
            } else if (point.equals("/") ? name.startsWith("/") : name.startsWith(point + "/")) {
                rest = name.substring(point.equals("/") ? 0 : point.length());
            } else {
                continue;
            }
            if (point.length() > bestLength) {
                bestLength = point.length();
                best = (root.equals("/") ? "" : root) + rest;
            }
        }
        return best;
    }

    static String firstComponent(String inProcfs) {
        int start = inProcfs.startsWith("/") ? 1 : 0;
        int end = inProcfs.indexOf('/', start);
        return inProcfs.substring(start, end < 0 ? inProcfs.length() : end);
    }

    private static boolean isOurTask(String component) {
        if (component.isEmpty() || component.length() > 10) {
            return false;
        }
        for (int i = 0; i < component.length(); i++) {
            if (component.charAt(i) < '0' || component.charAt(i) > '9') {
                return false;
            }
        }
        long id = Long.parseLong(component);
        if (id == PID) {
            return true;
        }
        int task = C.openat(AT_FDCWD, "/proc/" + PID + "/task/" + id, O_PATH | O_CLOEXEC, 0);
        if (task >= 0) {
            C.close(task);
            return true;
        }
        return false;
    }

    /** Mount point and root of every procfs mount in {@code /proc/self/mountinfo}, octal escapes decoded. */
    static List<String[]> readProcMounts() throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] after = line.substring(dash + 3).split(" ");
            String[] before = line.substring(0, dash).split(" ");
            if (after.length > 0 && after[0].equals("proc") && before.length > 4) {
                out.add(new String[] {unescape(before[4]), unescape(before[3])});
            }
        }
        return List.copyOf(out);
    }

    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
