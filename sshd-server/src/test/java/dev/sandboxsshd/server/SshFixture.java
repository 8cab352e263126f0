package dev.sandboxsshd.server;

import java.nio.file.Path;

/** A daemon enabled with one fresh ed25519 key for the test backend user, and an OpenSSH client for it. */
final class SshFixture implements AutoCloseable {
    final DaemonProcess daemon;
    final ClientKey key;
    final String user;
    final OpenSsh ssh;

    private SshFixture(DaemonProcess daemon, ClientKey key, String user, OpenSsh ssh) {
        this.daemon = daemon;
        this.key = key;
        this.user = user;
        this.ssh = ssh;
    }

    static SshFixture start(Path dir, String... extraArgs) throws Exception {
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        String user = TestUser.backend().name();
        DaemonProcess daemon = DaemonProcess.start(dir.resolve("state"), extraArgs);
        try {
            DaemonProcess.Http r = daemon.enable(key.publicLine(), user);
            if (r.status() != 200) {
                throw new IllegalStateException("enable failed: " + r.raw());
            }
            return new SshFixture(daemon, key, user, new OpenSsh(daemon.sshPort(), user, key));
        } catch (Exception e) {
            daemon.close();
            throw e;
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
