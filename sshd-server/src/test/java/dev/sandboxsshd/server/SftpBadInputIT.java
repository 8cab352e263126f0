package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.jcraft.jsch.ChannelSubsystem;
import com.jcraft.jsch.Session;

/**
 * Malformed SFTP requests get an SFTP error status and leave the session, the daemon and the filesystem as they
 * were; a dropped transfer keeps its partial file and leaks nothing; requests are found in the byte stream however
 * the client cuts it into packets.
 */
class SftpBadInputIT {
    static final int SSH_FXP_INIT = 1;
    static final int SSH_FXP_VERSION = 2;
    static final int SSH_FXP_OPEN = 3;
    static final int SSH_FXP_READ = 5;
    static final int SSH_FXP_STAT = 17;
    static final int SSH_FXP_STATUS = 101;
    static final int SSH_FXP_HANDLE = 102;
    static final int SSH_FXP_ATTRS = 105;

    @TempDir
    static Path dir;
    static SshFixture fx;
    static Session session;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        session = fx.jsch();
    }

    @AfterAll
    static void stop() {
        session.disconnect();
        fx.close();
    }

    /** One raw SFTP conversation over a subsystem channel. */
    static final class RawSftp implements AutoCloseable {
        final ChannelSubsystem channel;
        final DataOutputStream out;
        final DataInputStream in;
        int nextId = 1;

        RawSftp() throws Exception {
            this(session);
        }

        RawSftp(Session on) throws Exception {
            channel = (ChannelSubsystem) on.openChannel("subsystem");
            channel.setSubsystem("sftp");
            InputStream i = channel.getInputStream();
            OutputStream o = channel.getOutputStream();
            channel.connect(20_000);
            out = new DataOutputStream(o);
            in = new DataInputStream(i);
            packet(SSH_FXP_INIT, new byte[] {0, 0, 0, 3});
            assertEquals(SSH_FXP_VERSION, reply()[0]);
        }

        void packet(int type, byte[] body) throws IOException {
            out.writeInt(body.length + 1);
            out.writeByte(type);
            out.write(body);
            out.flush();
        }

        /** A request with an id followed by the given fields (Strings as SSH strings, Integers as uint32). */
        int request(int type, Object... fields) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(buf);
            int id = nextId++;
            d.writeInt(id);
            for (Object f : fields) {
                if (f instanceof Integer n) {
                    d.writeInt(n);
                } else if (f instanceof byte[] raw) {
                    d.write(raw);
                } else {
                    byte[] s = f.toString().getBytes(StandardCharsets.UTF_8);
                    d.writeInt(s.length);
                    d.write(s);
                }
            }
            packet(type, buf.toByteArray());
            return id;
        }

        byte[] reply() throws IOException {
            int length = in.readInt();
            byte[] body = new byte[length];
            in.readFully(body);
            return body;
        }

        /** The status code of a STATUS reply to the given id. */
        int status(int id) throws IOException {
            byte[] r = reply();
            assertEquals(SSH_FXP_STATUS, r[0], "expected a STATUS reply");
            DataInputStream d = new DataInputStream(new ByteArrayInputStream(r, 1, r.length - 1));
            assertEquals(id, d.readInt());
            return d.readInt();
        }

        /** The session still answers a plain stat of the home. */
        void assertAlive() throws IOException {
            assertAttrs(request(SSH_FXP_STAT, "."));
        }

        /** The next reply is an ATTRS reply to the given id. */
        void assertAttrs(int id) throws IOException {
            byte[] r = reply();
            assertEquals(SSH_FXP_ATTRS, r[0], "expected an ATTRS reply");
            assertEquals(id, ByteBuffer.wrap(r, 1, 4).getInt());
        }

        @Override
        public void close() {
            channel.disconnect();
        }
    }

    @Test
    void unknownRequestTypeIsUnsupported() throws Exception {
        try (RawSftp sftp = new RawSftp()) {
            int id = sftp.request(200, "whatever");
            assertEquals(8, sftp.status(id)); // SSH_FX_OP_UNSUPPORTED
            sftp.assertAlive();
        }
    }

    @Test
    void unknownHandleAndAnotherSessionsHandleAreRefused() throws Exception {
        String name = "bad-input-" + ProcessHandle.current().pid() + ".txt";
        assertEquals(0, fx.ssh.run("echo data > " + name).exit());
        try (RawSftp a = new RawSftp(); RawSftp b = new RawSftp()) {
            int open = a.request(SSH_FXP_OPEN, name, 1 /* READ */, 0 /* no attrs */);
            byte[] r = a.reply();
            assertEquals(SSH_FXP_HANDLE, r[0]);
            DataInputStream d = new DataInputStream(new ByteArrayInputStream(r, 1, r.length - 1));
            assertEquals(open, d.readInt());
            byte[] handle = new byte[d.readInt()];
            d.readFully(handle);

            int bogus = a.request(SSH_FXP_READ, "no-such-handle", 0, 0, 100);
            assertNotEquals(0, a.status(bogus));
            // the other session's handle means nothing here
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            new DataOutputStream(raw).writeInt(handle.length);
            raw.write(handle);
            int stolen = b.request(SSH_FXP_READ, raw.toByteArray(), 0, 0, 100);
            assertNotEquals(0, b.status(stolen));
            a.assertAlive();
            b.assertAlive();
        } finally {
            fx.ssh.run("rm -f " + name);
        }
    }

    @Test
    void pathWithNulIsRefusedAndTouchesNothing() throws Exception {
        try (RawSftp sftp = new RawSftp()) {
            int id = sftp.request(SSH_FXP_OPEN, "nul\0file", 0x1A /* WRITE|CREAT|TRUNC */, 0);
            assertNotEquals(0, sftp.status(id));
            sftp.assertAlive();
        }
        assertEquals("", fx.ssh.run("ls -d nul* 2>/dev/null").out());
    }

    @Test
    void absurdStringLengthIsAnErrorNotACrash() throws Exception {
        try (RawSftp sftp = new RawSftp()) {
            // a well-framed packet whose path claims to be 2 GB long
            int id = sftp.request(SSH_FXP_STAT, new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'x'});
            byte[] r = sftp.reply();
            assertEquals(SSH_FXP_STATUS, r[0]);
            assertEquals(id, ByteBuffer.wrap(r, 1, 4).getInt());
            sftp.assertAlive();
        }
        fx.daemon.awaitLogLine("refused malformed sftp request", "user=" + fx.user, "type=17");
    }

    @Test
    @Timeout(60) // a request lost in the reassembly would leave reply() waiting
    void requestsSplitAcrossPacketsOrPackedTogetherAreAnswered() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream two = new DataOutputStream(bytes);
        for (int id : new int[] {1001, 1002}) {
            two.writeInt(1 + 4 + 4 + 1);
            two.writeByte(SSH_FXP_STAT);
            two.writeInt(id);
            two.writeInt(1);
            two.writeByte('.');
        }
        try (RawSftp sftp = new RawSftp()) {
            for (byte b : bytes.toByteArray()) { // a packet per byte: lengths and bodies cut everywhere
                sftp.out.write(b);
                sftp.out.flush();
            }
            sftp.assertAttrs(1001);
            sftp.assertAttrs(1002);
            sftp.out.write(bytes.toByteArray()); // both requests in one packet
            sftp.out.flush();
            sftp.assertAttrs(1001);
            sftp.assertAttrs(1002);
        }
    }

    @Test
    void absurdPacketLengthEndsOnlyThatSession() throws Exception {
        RawSftp sftp = new RawSftp();
        try {
            sftp.out.writeInt(0x7fffffff);
            sftp.out.writeByte(SSH_FXP_STAT);
            sftp.out.flush();
            Await.until("the broken channel to close", Duration.ofSeconds(20), sftp.channel::isClosed);
        } finally {
            sftp.close();
        }
        fx.daemon.awaitLogLine("refused sftp message", "length=2147483647");
        try (RawSftp fresh = new RawSftp()) {
            fresh.assertAlive();
        }
        assertEquals("ok\n", fx.ssh.run("echo ok").out());
    }

    @Test
    void droppedUploadKeepsThePartialFileAndLeaksNothing() throws Exception {
        long fdsBefore = fx.daemon.openFds();
        Path big = TransferFixture.big().file();
        String remote = "dropped-" + ProcessHandle.current().pid() + ".bin";
        List<String> args = fx.ssh.baseArgs("sftp");
        args.addAll(List.of("-o", "LogLevel=ERROR", "-b", "-", fx.user + "@127.0.0.1"));
        ProcessBuilder pb = new ProcessBuilder(args);
        Process client = pb.start();
        try {
            client.getOutputStream().write(("put " + big + " " + remote + "\n").getBytes());
            client.getOutputStream().flush();
            Path target = TestUser.backend().home().resolve(remote);
            Await.until("some data to arrive", Duration.ofSeconds(30), () -> Files.exists(target) && Files.size(target) > 8 << 20);
        } finally {
            DaemonProcess.killTree(client.toHandle());
        }
        Path target = TestUser.backend().home().resolve(remote);
        try {
            long size = Files.size(target);
            assertTrue(size > 0 && size < 256L * 1024 * 1024, "partial file kept: " + size);
            // The session's own thread must end; pool threads (MINA's I/O, Jetty's, the JIT's) come and go
            Await.until("the sftp session's thread to end", Duration.ofSeconds(20),
                    () -> fx.daemon.threadNames().stream().noneMatch(name -> name.startsWith("sftp-")));
            Await.until("open fds back to " + fdsBefore, Duration.ofSeconds(20), () -> fx.daemon.openFds() <= fdsBefore);
        } finally {
            Files.deleteIfExists(target);
        }
    }

    /**
     * A FIFO with nobody at its other end: the session's thread waits in open(2), as sftp-server would; once the
     * client is gone the thread must end and the session's descriptors be closed, or every such get leaks both.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"sftp", "scp"})
    void aSessionWaitingForAFifoEndsWithItsClient(String client) throws Exception {
        String fifo = "fifo-" + client + "-" + ProcessHandle.current().pid();
        assertEquals(0, fx.ssh.run("rm -f " + fifo + "; mkfifo " + fifo).exit());
        Await.until("no session thread left from other tests", Duration.ofSeconds(20), () -> sessionThreads().isEmpty());
        long fdsBefore = fx.daemon.openFds();
        Session own = fx.jsch();
        Process scp = null;
        try {
            if (client.equals("sftp")) { // OpenSSH's sftp refuses to get a FIFO; MINA's opens it for reading
                RawSftp sftp = new RawSftp(own);
                sftp.request(SSH_FXP_OPEN, fifo, 1 /* READ */, 0 /* no attrs */);
            } else { // legacy scp -t into the home, where a FIFO has the file's name: opened for writing
                Path local = dir.resolve("scp-source").resolve(fifo);
                Files.createDirectories(local.getParent());
                Files.writeString(local, "data\n");
                List<String> args = fx.ssh.baseArgs("scp");
                args.addAll(List.of("-O", "-o", "LogLevel=ERROR", local.toString(), fx.user + "@127.0.0.1:."));
                scp = new ProcessBuilder(args).redirectErrorStream(true).start();
            }
            Await.until("the " + client + " thread to wait for the FIFO's other end", Duration.ofSeconds(20),
                    () -> sessionThreads().stream().anyMatch(task -> wchan(task).equals("wait_for_partner")));
        } finally {
            own.disconnect();
            if (scp != null) {
                DaemonProcess.killTree(scp.toHandle());
            }
        }
        try {
            Await.until("the " + client + " session's thread to end", Duration.ofSeconds(20),
                    () -> sessionThreads().isEmpty());
            Await.until("open fds back to " + fdsBefore, Duration.ofSeconds(20), () -> fx.daemon.openFds() <= fdsBefore);
            assertEquals("ok\n", fx.ssh.run("echo ok").out());
        } finally {
            fx.ssh.run("rm -f " + fifo);
        }
    }

    /** The daemon's SFTP and SCP session threads (named sftp-USER-N, scp-USER-N), as /proc task dirs. */
    private static List<Path> sessionThreads() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/" + fx.daemon.pid + "/task"))) {
            return tasks.filter(task -> {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    return name.startsWith("sftp-") || name.startsWith("scp-");
                } catch (IOException ended) {
                    return false;
                }
            }).toList();
        }
    }

    private static String wchan(Path task) {
        try {
            return Files.readString(task.resolve("wchan")).strip();
        } catch (IOException ended) {
            return "";
        }
    }
}
