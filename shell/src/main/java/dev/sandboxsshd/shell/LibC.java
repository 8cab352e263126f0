package dev.sandboxsshd.shell;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/** The few libc calls the JDK does not offer, bound once for the whole daemon. */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int geteuid();

    int getpid();

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int umask(int mask);

    int unshare(int flags);

    int chdir(String path);

    int fchdir(int fd);

    int chown(String path, int uid, int gid);

    int chmod(String path, int mode);

    int open(String path, int flags);

    long write(int fd, byte[] buf, long count);

    int getresuid(int[] ruid, int[] euid, int[] suid);

    int getresgid(int[] rgid, int[] egid, int[] sgid);

    long syscall(long number, Object... args);

    int kill(int pid, int sig);

    int sethostname(byte[] name, long len);

    int getpwnam_r(String name, Passwd pwd, Pointer buf, long buflen, PointerByReference result);

    int getpwuid_r(int uid, Passwd pwd, Pointer buf, long buflen, PointerByReference result);

    int getgrouplist(String user, int group, int[] groups, IntByReference ngroups);

    int getgrgid_r(int gid, Group grp, Pointer buf, long buflen, PointerByReference result);

    int getgrnam_r(String name, Group grp, Pointer buf, long buflen, PointerByReference result);

    int statvfs(String path, Pointer buf);

    String strerror(int errnum);

    int pipe2(int[] fds, int flags);

    /** {@code termios} is a whole struct termios ({@link Termios#SIZE} bytes), copied in and back by JNA. */
    int tcgetattr(int fd, byte[] termios);

    int tcsetattr(int fd, int optionalActions, byte[] termios);

    int cfsetispeed(byte[] termios, int speed);

    int cfsetospeed(byte[] termios, int speed);

    int close(int fd);

    int fcntl(int fd, int cmd, int arg);

    int memfd_create(String name, int flags);

    int waitpid(int pid, int[] status, int options);

    int sigemptyset(Pointer set);

    int sigfillset(Pointer set);

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);

    int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int oflag, int mode);

    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    int posix_spawn(IntByReference pid, String path, Pointer actions, Pointer attr, StringArray argv, StringArray envp);

    // File calls for OwnProcfs, SFTP and SCP: kept together so the list stays easy to merge.

    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_PATH = 010000000;
    int O_CLOEXEC = 02000000;
    int SA_RESTART = 0x10000000;
    /** glibc's {@code struct sigaction}: the handler, a 128-byte mask, then the flags. */
    int SIGACTION_SIZE = 152;
    int SIGACTION_FLAGS = 8 + 128;
    int AT_FDCWD = -100;
    /** A {@code tv_nsec} that leaves that time as it is ({@code utimensat}). */
    long UTIME_OMIT = (1L << 30) - 2;

    int openat(int dirfd, String path, int flags, int mode);

    /** {@code rlim}: the soft and the hard limit. */
    int getrlimit(int resource, long[] rlim);

    long read(int fd, byte[] buf, long count);

    int gettid();

    int tgkill(int tgid, int tid, int sig);

    int __libc_current_sigrtmax();

    int sigaction(int sig, byte[] act, byte[] oldact);

    int truncate(String path, long length);

    int lchown(String path, int uid, int gid);

    /** {@code times}: access then modification time, each seconds and nanoseconds. */
    int utimensat(int dirfd, String path, long[] times, int flags);

    /** {@code buf}: a {@code struct statfs} ({@link OwnProcfs#STATFS_SIZE} bytes); its first field is f_type. */
    int fstatfs(int fd, byte[] buf);

    long readlink(String path, byte[] buf, long size);

    long readlinkat(int dirfd, String path, byte[] buf, long size);

    @Structure.FieldOrder({"gr_name", "gr_passwd", "gr_gid", "gr_mem"})
    final class Group extends Structure {
        public String gr_name;
        public String gr_passwd;
        public int gr_gid;
        public Pointer gr_mem;
    }

    @Structure.FieldOrder({"pw_name", "pw_passwd", "pw_uid", "pw_gid", "pw_gecos", "pw_dir", "pw_shell"})
    final class Passwd extends Structure {
        public String pw_name;
        public String pw_passwd;
        public int pw_uid;
        public int pw_gid;
        public String pw_gecos;
        public String pw_dir;
        public String pw_shell;
    }
}
