package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.sftp.client.RawSftpClient;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.SftpVersionSelector;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SFTP and {@code scp -O} replies as OpenSSH's sftp-server and scp sink give them for the same request (#24): sizes
 * grown by SETSTAT, hard links with relative paths, STAT of what the kernel refuses, status codes within the
 * session's version, setuid/setgid/sticky kept, and the sink's mode. Each case runs against OpenSSH's sshd too.
 */
class SftpRepliesIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;

    @TempDir
    static Path dir;
    static BothServers servers;
    static SshClient client;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        servers = BothServers.start(dir);
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.stop();
        }
        if (servers != null) {
            for (String server : List.of(OURS, OPENSSH)) {
                servers.client(server).run("rm -rf " + scratch(server));
            }
            servers.close();
        }
    }

    /** A directory of the test's in the user's home, relative to it. */
    static String scratch(String server) {
        return "sftp-replies-" + server + "-" + ProcessHandle.current().pid();
    }

    interface Work {
        void run(SftpClient sftp, String d) throws Exception;
    }

    /** Runs {@code work} in a fresh scratch subdirectory {@code name}, through MINA's client asking for {@code version}. */
    static void withSftp(String server, int version, String name, Work work) throws Exception {
        OpenSsh ssh = servers.client(server);
        String d = scratch(server) + "/" + name + "-v" + version;
        OpenSsh.Result made = ssh.run("rm -rf " + d + " && mkdir -p " + d);
        assertEquals(0, made.exit(), made.stderr());
        try (ClientSession session = client.connect(ssh.user, "127.0.0.1", ssh.port)
                .verify(Duration.ofSeconds(20)).getSession()) {
            new FileKeyPairProvider(ssh.key.privateKey()).loadKeys(session).forEach(session::addPublicKeyIdentity);
            session.auth().verify(Duration.ofSeconds(20));
            // the version asked for if the server offers it (OpenSSH offers only 3)
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session,
                    SftpVersionSelector.preferredVersionSelector(version, SftpConstants.SFTP_V3))) {
                work.run(sftp, d);
            }
        }
    }

    static void write(SftpClient sftp, String path, String content) throws IOException {
        try (OutputStream out = sftp.write(path)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }

    static String read(SftpClient sftp, String path) throws IOException {
        try (InputStream in = sftp.read(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    interface Request {
        void run() throws IOException;
    }

    /** The status a request gets: OK, or the code of the failure. */
    static int status(Request request) throws IOException {
        try {
            request.run();
            return SftpConstants.SSH_FX_OK;
        } catch (SftpException e) {
            return e.getStatus();
        }
    }

    /** An extended request's status: {@code name} with string arguments. */
    static int extended(SftpClient sftp, String name, String... args) throws IOException {
        Buffer request = new ByteArrayBuffer();
        request.putString(name);
        for (String a : args) {
            request.putString(a);
        }
        RawSftpClient raw = (RawSftpClient) sftp;
        int id = raw.send(SftpConstants.SSH_FXP_EXTENDED, request);
        Buffer reply = raw.receive(id, Duration.ofSeconds(20));
        reply.getInt(); // length
        assertEquals(SftpConstants.SSH_FXP_STATUS, reply.getUByte());
        assertEquals(id, reply.getInt());
        return reply.getInt();
    }

    static int mode(String server, String path) throws Exception {
        OpenSsh.Result r = servers.client(server).run("stat -c %a " + path);
        assertEquals(0, r.exit(), r.stderr());
        return Integer.parseInt(r.out().trim(), 8);
    }

    /**
     * A client that sends EOF twice (Go's x/crypto does) and then drops the connection, and one that resets it (most
     * close without a disconnect message), leave no WARN line: the reset is one INFO line with its reason.
     */
    @org.junit.jupiter.api.Test
    void repeatedEofAndResetAreNotWarnings() throws Exception {
        OpenSsh ssh = servers.client(OURS);
        long before = servers.ours.daemon.log().lines().count();
        try (ClientSession session = client.connect(ssh.user, "127.0.0.1", ssh.port)
                .verify(Duration.ofSeconds(20)).getSession()) {
            new FileKeyPairProvider(ssh.key.privateKey()).loadKeys(session).forEach(session::addPublicKeyIdentity);
            session.auth().verify(Duration.ofSeconds(20));
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session)) {
                sftp.stat(".");
                org.apache.sshd.common.channel.Channel channel = sftp.getClientChannel();
                for (int i = 0; i < 2; i++) {
                    Buffer eof = session.createBuffer(org.apache.sshd.common.SshConstants.SSH_MSG_CHANNEL_EOF, 8);
                    eof.putUInt(channel.getRecipient());
                    session.writePacket(eof).verify(Duration.ofSeconds(10));
                }
                session.getIoSession().close(true); // gone without closing the channel or the session
            }
        }
        try (java.net.Socket reset = new java.net.Socket("127.0.0.1", ssh.port)) {
            reset.getOutputStream().write("SSH-2.0-ResetTest\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = reset.getInputStream();
            while (in.read() != '\n') {
                // the server's identification line: the connection is up
            }
            reset.setSoLinger(true, 0); // close sends RST
        }
        servers.ours.daemon.awaitLogLine("connection ended: remote=", "reason=Connection reset");
        List<String> warnings = servers.ours.daemon.log().lines().skip(before)
                .filter(l -> l.contains(" WARN ")).toList();
        assertTrue(warnings.isEmpty(), String.join("\n", warnings));
    }

    /** Fault 1: SETSTAT and FSETSTAT grow a file as truncate(2) does, and shrink it. */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void setstatGrowsAndShrinksAFile(String server) throws Exception {
        withSftp(server, SftpConstants.SFTP_V3, "size", (sftp, d) -> {
            String f = d + "/f";
            write(sftp, f, "0123456789");
            SftpClient.Attributes grow = new SftpClient.Attributes();
            grow.setSize(1 << 20);
            sftp.setStat(f, grow);
            assertEquals(1 << 20, sftp.stat(f).getSize());
            try (SftpClient.CloseableHandle h = sftp.open(f, SftpClient.OpenMode.Write)) {
                SftpClient.Attributes more = new SftpClient.Attributes();
                more.setSize(2 << 20);
                sftp.setStat(h, more);
            }
            assertEquals(2 << 20, sftp.stat(f).getSize());
            SftpClient.Attributes shrink = new SftpClient.Attributes();
            shrink.setSize(5);
            sftp.setStat(f, shrink);
            assertEquals("01234", read(sftp, f));
        });
    }

    /** Fault 2: hardlink@openssh.com resolves its old path against the home, as its new one. */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void hardlinkPathsAreBothInTheHome(String server) throws Exception {
        String home = servers.client(server).run("pwd").out().trim();
        withSftp(server, SftpConstants.SFTP_V3, "link", (sftp, d) -> {
            write(sftp, d + "/a", "linked");
            assertEquals(SftpConstants.SSH_FX_OK, extended(sftp, "hardlink@openssh.com", d + "/a", d + "/b"));
            assertEquals(SftpConstants.SSH_FX_OK,
                    extended(sftp, "hardlink@openssh.com", d + "/a", home + "/" + d + "/c"));
            assertEquals(SftpConstants.SSH_FX_OK,
                    extended(sftp, "hardlink@openssh.com", home + "/" + d + "/a", d + "/e"));
            for (String name : List.of("b", "c", "e")) {
                assertEquals("linked", read(sftp, d + "/" + name));
            }
            assertEquals(SftpConstants.SSH_FX_OK, extended(sftp, "posix-rename@openssh.com", d + "/e", d + "/f"));
            assertEquals("linked", read(sftp, d + "/f"));
        });
    }

    /** Fault 3: STAT and LSTAT of what the kernel refuses get its status, never OK with empty attributes. */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void statOfWhatTheKernelRefusesIsItsError(String server) throws Exception {
        withSftp(server, SftpConstants.SFTP_V3, "stat", (sftp, d) -> {
            write(sftp, d + "/f", "file");
            sftp.mkdir(d + "/locked");
            write(sftp, d + "/locked/inside", "x");
            sftp.symLink(d + "/loop", "loop");
            SftpClient.Attributes none = new SftpClient.Attributes();
            none.setPermissions(0);
            sftp.setStat(d + "/locked", none);
            try {
                for (String path : List.of(d + "/locked/nope", d + "/locked/inside", "/root/nonexistent")) {
                    assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, status(() -> sftp.stat(path)), path);
                    assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, status(() -> sftp.lstat(path)), path);
                }
                for (String path : List.of(d + "/f/x", d + "/loop", d + "/loop/x")) {
                    assertEquals(SftpConstants.SSH_FX_NO_SUCH_FILE, status(() -> sftp.stat(path)), path);
                }
                assertTrue(sftp.lstat(d + "/loop").isSymbolicLink());
            } finally {
                SftpClient.Attributes back = new SftpClient.Attributes();
                back.setPermissions(0755);
                sftp.setStat(d + "/locked", back);
            }
        });
        if (server.equals(OURS)) {
            String log = servers.ours.daemon.log();
            assertFalse(log.contains("handleUnknownStatusFileAttributes") || log.contains("handleReadFileAttributes")
                    || log.contains("resolveMissingFileAttributes"), log);
        }
    }

    /** Fault 4: each version's own status codes, for the same errors (OpenSSH answers version 3 to either). */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void statusCodesAreThoseOfTheSessionsVersion(String server) throws Exception {
        for (int asked : new int[] {SftpConstants.SFTP_V3, SftpConstants.SFTP_V6}) {
            withSftp(server, asked, "codes", (sftp, d) -> {
                boolean v6 = sftp.getVersion() == SftpConstants.SFTP_V6;
                assertEquals(server.equals(OURS) ? asked : SftpConstants.SFTP_V3, sftp.getVersion());
                write(sftp, d + "/f", "file");
                sftp.mkdir(d + "/full");
                write(sftp, d + "/full/inside", "x");
                sftp.symLink(d + "/loop", "loop");
                List<String> wrong = new ArrayList<>();
                Map<String, Request> requests = new java.util.LinkedHashMap<>();
                Map<String, int[]> expected = new java.util.LinkedHashMap<>();
                requests.put("rmdir of a non-empty directory", () -> sftp.rmdir(d + "/full"));
                expected.put("rmdir of a non-empty directory", new int[] {4, 18});
                requests.put("mkdir of an existing name", () -> sftp.mkdir(d + "/f"));
                expected.put("mkdir of an existing name", new int[] {4, 11});
                requests.put("stat through a file", () -> sftp.stat(d + "/f/x"));
                expected.put("stat through a file", new int[] {2, 19});
                requests.put("stat of a symlink loop", () -> sftp.stat(d + "/loop"));
                expected.put("stat of a symlink loop", new int[] {2, 21});
                requests.put("rmdir of a file", () -> sftp.rmdir(d + "/f"));
                expected.put("rmdir of a file", new int[] {2, 19});
                requests.put("open of a missing file", () -> sftp.read(d + "/missing").close());
                expected.put("open of a missing file", new int[] {2, 2});
                requests.put("stat of root's home", () -> sftp.stat("/root/nonexistent"));
                expected.put("stat of root's home", new int[] {3, 3});
                requests.put("write into /proc's root", () -> sftp.write("/proc/nope").close());
                expected.put("write into /proc's root", new int[] {2, 2});
                for (Map.Entry<String, Request> r : requests.entrySet()) {
                    int want = expected.get(r.getKey())[v6 ? 1 : 0];
                    int got = status(r.getValue());
                    if (got != want) {
                        wrong.add(r.getKey() + ": " + got + " (want " + want + ")");
                    }
                }
                assertTrue(wrong.isEmpty(), "v" + sftp.getVersion() + ": " + wrong);
            });
        }
    }

    /** Fault 5: chmod keeps setuid, setgid and sticky. */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void chmodKeepsSetuidSetgidAndSticky(String server) throws Exception {
        String d = scratch(server) + "/modes";
        OpenSsh ssh = servers.client(server);
        assertEquals(0, ssh.run("rm -rf " + d + " && mkdir -p " + d + "/g " + d + "/t && touch " + d + "/f").exit());
        OpenSsh.Result r = ssh.sftp("chmod 4755 " + d + "/f\nchmod 2775 " + d + "/g\nchmod 1777 " + d + "/t\n");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(04755, mode(server, d + "/f"));
        assertEquals(02775, mode(server, d + "/g"));
        assertEquals(01777, mode(server, d + "/t"));
        // read back: ls -l shows the server's long names, ls -ln the client's own from the attributes (sshfs's view)
        for (String ls : List.of("ls -l ", "ls -ln ")) {
            OpenSsh.Result listed = ssh.sftp(ls + d + "\n");
            assertEquals(0, listed.exit(), listed.stderr());
            for (String line : List.of("-rwsr-xr-x", "drwxrwsr-x", "drwxrwxrwt")) {
                assertTrue(listed.out().contains(line), ls + ": " + line + " in " + listed.out());
            }
        }
    }

    /** Fault 6: the scp sink creates a file with the mode the protocol carries, under the umask. */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void scpSinkCreatesTheSentModeUnderTheUmask(String server) throws Exception {
        String d = scratch(server) + "/scp";
        OpenSsh ssh = servers.client(server);
        assertEquals(0, ssh.run("rm -rf " + d + " && mkdir -p " + d).exit());
        for (String mode : List.of("rwxr-xr-x", "rw-------", "rwxrwxrwx")) {
            Path local = Files.writeString(dir.resolve(server + "-" + mode), "mode");
            Files.setPosixFilePermissions(local, PosixFilePermissions.fromString(mode));
            OpenSsh.Result up = ssh.scp(List.of("-O"), local.toString(), ":" + d + "/" + mode);
            assertEquals(0, up.exit(), up.stderr());
            int sent = Integer.parseInt(PosixFilePermissions.toString(Files.getPosixFilePermissions(local))
                    .chars().map(c -> c == '-' ? 0 : 1).collect(StringBuilder::new, StringBuilder::append,
                            StringBuilder::append).toString(), 2);
            assertEquals(sent & ~022, mode(server, d + "/" + mode), mode);
        }
    }
}
