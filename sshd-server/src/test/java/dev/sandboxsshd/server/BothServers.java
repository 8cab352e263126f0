package dev.sandboxsshd.server;

import java.nio.file.Path;

/**
 * Our daemon, and OpenSSH's sshd trusting the same client key, for tests whose every case runs against both
 * ({@code @ValueSource(strings = {OURS, OPENSSH})}): OpenSSH's passing proves the test can pass. The sshd starts on
 * first use; a case against it is skipped where openssh-server is not installed.
 */
final class BothServers implements AutoCloseable {
    static final String OURS = "sandbox-sshd";
    static final String OPENSSH = "openssh";

    final SshFixture ours;
    private final Path dir;
    private OpenSshServer openssh;

    private BothServers(SshFixture ours, Path dir) {
        this.ours = ours;
        this.dir = dir;
    }

    static BothServers start(Path dir, String... oursArgs) throws Exception {
        return new BothServers(SshFixture.start(dir.resolve("ours"), oursArgs), dir);
    }

    /** The named server's client. */
    synchronized OpenSsh client(String server) throws Exception {
        if (server.equals(OURS)) {
            return ours.ssh;
        }
        if (openssh == null) {
            openssh = OpenSshServer.start(dir.resolve("openssh"), ours.key);
        }
        return openssh.ssh;
    }

    /** The named server's listening process (root's): the daemon, or OpenSSH's sshd. */
    synchronized long pid(String server) throws Exception {
        client(server);
        return server.equals(OURS) ? ours.daemon.pid : openssh.pid;
    }

    @Override
    public synchronized void close() {
        if (openssh != null) {
            openssh.close();
        }
        ours.close();
    }
}
