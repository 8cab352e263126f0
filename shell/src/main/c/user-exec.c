/*
 * user-exec: the first program of every process the daemon starts for a user, spawned from an identity thread
 * (real and saved uid: the holder id, effective uid: the user). It makes every uid and gid the effective one, puts
 * back the stack limit the kernel lowered for this (secure) exec, and executes the user's program with the
 * environment untouched: that exec has euid == ruid, so it is not a secure exec and the dynamic loader keeps
 * LD_LIBRARY_PATH, LD_PRELOAD, TMPDIR and the rest. No libc (ld.so would drop those variables from a dynamically
 * linked helper, and glibc's static start-up does the same): raw system calls only, built by bin/build-user-exec.
 *
 * argv: user-exec STACK MODE N CANDIDATE... PROGRAM-ARGV...
 *   STACK      the soft RLIMIT_STACK to restore, in bytes, or "-" for unlimited
 *   MODE       "p": one candidate, run as it is (its errno is the answer);
 *              "s": a PATH search (execvp's rules: ENOENT and ENOTDIR skip to the next candidate, EACCES is kept
 *              only for a file that exists, any other error ends the search)
 *   N          the number of candidates that follow
 * fd 3: the write end of the spawner's close-on-exec pipe; a failure writes its errno there (4 bytes) and exits 127.
 * fd 4: this program's own sealed memfd, which the spawner executed through /proc/self/fd/4; closed here.
 */

typedef unsigned long u64;

#if defined(__x86_64__)
#define SYS_write 1
#define SYS_close 3
#define SYS_fcntl 72
#define SYS_execve 59
#define SYS_exit_group 231
#define SYS_setresuid 117
#define SYS_getresuid 118
#define SYS_setresgid 119
#define SYS_getresgid 120
#define SYS_prlimit64 302
#define SYS_newfstatat 262

static long sys6(long n, long a, long b, long c, long d) {
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}

__asm__(".text\n.globl _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n call start_c\n hlt\n");
#elif defined(__aarch64__)
#define SYS_write 64
#define SYS_close 57
#define SYS_fcntl 25
#define SYS_execve 221
#define SYS_exit_group 94
#define SYS_setresuid 147
#define SYS_getresuid 148
#define SYS_setresgid 149
#define SYS_getresgid 150
#define SYS_prlimit64 261
#define SYS_newfstatat 79

static long sys6(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}

__asm__(".text\n.globl _start\n_start:\n mov x29, #0\n mov x30, #0\n mov x0, sp\n bl start_c\n brk #0\n");
#else
#error "user-exec knows the system calls of x86_64 and aarch64 only"
#endif

#define ENOENT 2
#define EACCES 13
#define ENOTDIR 20
#define EINVAL 22
#define F_SETFD 2
#define FD_CLOEXEC 1
#define RLIMIT_STACK 3
#define AT_FDCWD (-100)
#define ERRFD 3
#define SELFFD 4

struct rlimit64 {
    u64 cur;
    u64 max;
};

static __attribute__((noreturn)) void fail(long err) {
    int e = (int) err;
    sys6(SYS_write, ERRFD, (long) &e, sizeof e, 0);
    for (;;) {
        sys6(SYS_exit_group, 127, 0, 0, 0);
    }
}

static int number(const char *s, u64 *out) {
    u64 v = 0;
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        v = v * 10 + (u64) (*s - '0');
    }
    *out = v;
    return 1;
}

__attribute__((used)) void start_c(long *sp) {
    long argc = sp[0];
    char **argv = (char **) (sp + 1);
    char **envp = argv + argc + 1;
    u64 n;
    unsigned int r, e, s;
    struct rlimit64 limit;
    char statbuf[256];

    sys6(SYS_close, SELFFD, 0, 0, 0);
    if (sys6(SYS_fcntl, ERRFD, F_SETFD, FD_CLOEXEC, 0) != 0) {
        sys6(SYS_exit_group, 127, 0, 0, 0);
    }
    if (argc < 6 || !number(argv[3], &n) || n < 1 || (u64) argc < 5 + n
            || (argv[2][0] != 'p' && argv[2][0] != 's') || argv[2][1]) {
        fail(EINVAL);
    }
    long rc = sys6(SYS_getresgid, (long) &r, (long) &e, (long) &s, 0);
    if (rc == 0) {
        rc = sys6(SYS_setresgid, e, e, e, 0);
    }
    if (rc == 0) {
        rc = sys6(SYS_getresuid, (long) &r, (long) &e, (long) &s, 0);
    }
    if (rc == 0) {
        rc = sys6(SYS_setresuid, e, e, e, 0);
    }
    if (rc != 0) {
        fail(-rc);
    }
    rc = sys6(SYS_prlimit64, 0, RLIMIT_STACK, 0, (long) &limit);
    if (rc == 0) {
        if (argv[1][0] == '-' && !argv[1][1]) {
            limit.cur = ~0UL;
        } else if (!number(argv[1], &limit.cur)) {
            fail(EINVAL);
        }
        rc = sys6(SYS_prlimit64, 0, RLIMIT_STACK, (long) &limit, 0);
    }
    if (rc != 0) {
        fail(-rc);
    }

    char **program = argv + 4 + n;
    long failure = ENOENT;
    for (u64 i = 0; i < n; i++) {
        const char *path = argv[4 + i];
        rc = -sys6(SYS_execve, (long) path, (long) program, (long) envp, 0);
        if (argv[2][0] == 'p') {
            failure = rc;
            break;
        }
        if (rc == EACCES) {
            /* as bash: a directory the user may not search hides nothing; a file they may not run does */
            if (sys6(SYS_newfstatat, AT_FDCWD, (long) path, (long) statbuf, 0) == 0) {
                failure = EACCES;
            }
        } else if (rc != ENOENT && rc != ENOTDIR) {
            failure = rc;
            break;
        }
    }
    fail(failure);
}
