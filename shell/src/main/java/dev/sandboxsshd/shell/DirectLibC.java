package dev.sandboxsshd.shell;

import com.sun.jna.Native;

/**
 * The libc calls bound by JNA's direct mapping, beside {@link LibC}, the interface binding of everything else: a
 * direct call goes through no proxy and allocates nothing. For the calls {@link OwnProcfs} makes on every SFTP and SCP
 * path (thousands per rclone sync), and for those that must work in a full heap (the heap watchdog's exit) or that
 * glibc alone has ({@code malloc_trim}, which the daemon needs anyway: {@code posix_spawn_file_actions_addclosefrom_np}
 * is glibc's too).
 */
public final class DirectLibC {
    static {
        Native.register(DirectLibC.class, "c");
    }

    private DirectLibC() {
    }

    /** Binds the calls now, while there is heap for it (the first call of any of them would, too). */
    public static void bind() {
    }

    /**
     * {@code syscall} with the arguments of {@code openat2}; variadic in C, its fixed arguments are passed here as a
     * variadic call passes them on x86_64 and aarch64 (glibc's syscall only moves registers).
     */
    static native long syscall(long number, long dirfd, String path, long[] how, long size);

    static native int fstatfs(int fd, byte[] buf);

    static native int close(int fd);

    static native long readlink(String path, byte[] buf, long size);

    public static native long write(int fd, byte[] buffer, long count);

    public static native void _exit(int status);

    public static native int malloc_trim(long pad);
}
