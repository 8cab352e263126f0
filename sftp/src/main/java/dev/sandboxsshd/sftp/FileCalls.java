package dev.sandboxsshd.sftp;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The libc calls SFTP and SCP file access needs beyond the JDK's (which retries an open on EINTR). */
interface FileCalls extends Library {
    FileCalls INSTANCE = Native.load("c", FileCalls.class);

    int EINTR = 4;
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_CLOEXEC = 02000000;
    int O_PATH = 010000000;
    int SA_RESTART = 0x10000000;
    /** glibc's {@code struct sigaction}: the handler, a 128-byte mask, then the flags. */
    int SIGACTION_SIZE = 152;
    int SIGACTION_FLAGS = 8 + 128;

    int open(String path, int flags);

    /** {@code rlim}: the soft and the hard limit. */
    int getrlimit(int resource, long[] rlim);

    long read(int fd, byte[] buf, long count);

    long write(int fd, byte[] buf, long count);

    int close(int fd);

    int getpid();

    int gettid();

    int tgkill(int tgid, int tid, int sig);

    int __libc_current_sigrtmax();

    int sigaction(int sig, byte[] act, byte[] oldact);

    String strerror(int errnum);
}
