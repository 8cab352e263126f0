package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

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
        return start(List.of(), dir, extraArgs);
    }

    /** @param prefix a wrapper such as {@code unshare --pid --fork --mount-proc} */
    static SshFixture start(List<String> prefix, Path dir, String... extraArgs) throws Exception {
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        String user = TestUser.backend().name();
        DaemonProcess daemon = DaemonProcess.start(prefix, dir.resolve("state"), extraArgs);
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

    /**
     * A daemon started again on the state {@link #start} left in {@code dir}: it must come back enabled, with the
     * host key of {@code fingerprint}, and let {@code key} log in. The caller closes it.
     */
    static DaemonProcess restartedEnabled(Path dir, ClientKey key, String fingerprint) throws Exception {
        DaemonProcess again = DaemonProcess.start(dir.resolve("state"));
        try {
            JsonNode status = again.status().body();
            assertTrue(status.get("enabled").asBoolean(), status + "\n" + again.log());
            assertEquals(fingerprint, status.get("host_key_fingerprint").asText());
            OpenSsh.Result r = new OpenSsh(again.sshPort(), TestUser.backend().name(), key).run("echo back");
            assertEquals("back\n", r.out(), r.stderr());
            return again;
        } catch (Exception | AssertionError e) {
            again.close();
            throw e;
        }
    }

    /** A JSch session logged in with the enabled key (the caller disconnects it). */
    com.jcraft.jsch.Session jsch() throws com.jcraft.jsch.JSchException {
        com.jcraft.jsch.JSch jsch = new com.jcraft.jsch.JSch();
        jsch.addIdentity(key.privateKey().toString());
        com.jcraft.jsch.Session session = jsch.getSession(user, "127.0.0.1", ssh.port);
        session.setConfig("StrictHostKeyChecking", "no");
        session.connect(20_000);
        return session;
    }

    record JschExec(String out, int exitStatus) {
    }

    /** Runs a command through a JSch exec channel to its end; exit status -1 when the server sent none. */
    JschExec jschExec(String command) throws Exception {
        com.jcraft.jsch.Session session = jsch();
        try {
            com.jcraft.jsch.ChannelExec exec = (com.jcraft.jsch.ChannelExec) session.openChannel("exec");
            exec.setCommand(command);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            exec.setOutputStream(out);
            exec.connect(20_000);
            Await.until("exec to close", java.time.Duration.ofSeconds(20), exec::isClosed);
            return new JschExec(out.toString(java.nio.charset.StandardCharsets.UTF_8), exec.getExitStatus());
        } finally {
            session.disconnect();
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
