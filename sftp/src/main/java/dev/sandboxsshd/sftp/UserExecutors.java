package dev.sandboxsshd.sftp;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.SshThreadPoolExecutor;

import dev.sandboxsshd.shell.UserIdentity;
import dev.sandboxsshd.shell.PosixUser;

/**
 * The one thread an SFTP or SCP session does its file work on, with the user's filesystem identity. MINA shuts it
 * down when the session ends, so the thread (and its identity) dies with it and is never reused.
 */
final class UserExecutors {
    private UserExecutors() {
    }

    static CloseableExecutorService singleThread(PosixUser user, String purpose) {
        return new SshThreadPoolExecutor(1, 1, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                UserIdentity.threadsFor(user, purpose), new ThreadPoolExecutor.AbortPolicy());
    }
}
