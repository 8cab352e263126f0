package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first run's mistakes end the daemon with exit 1 and one line on stderr that says what is wrong and what to do
 * (README's command 1 without a key, a port in use, a state dir it cannot write, an unknown user).
 */
class FirstRunIT {
    @TempDir
    Path dir;

    @Test
    void noKeyAtTheEnableKeyPathSaysHowToMakeOne() throws Exception {
        Path missing = dir.resolve("home/.ssh/id_ed25519.pub");
        OpenSsh.Result r = jar(List.of(), "--enable-key", missing.toString());
        assertFails(r, "sandbox-sshd: no public key at " + missing + ": create one with ssh-keygen -t ed25519 (it writes "
                + "~/.ssh/id_ed25519.pub), or pass --enable-key FILE naming an existing .pub file\n");
    }

    @Test
    void anApiPortInUseNamesTheFlagAndHowToFindTheListener() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            OpenSsh.Result r = jar(List.of(), "--api-listen", "127.0.0.1:" + port);
            assertFails(r, "sandbox-sshd: cannot listen for the API on 127.0.0.1:" + port + " (Address already in use): "
                    + "another process listens there (ss -ltnp 'sport = :" + port + "' names it; another sandbox-sshd?): "
                    + "stop it, or pass --api-listen HOST:PORT with a free port\n");
        }
    }

    @Test
    void anSshPortInUseNamesTheFlag() throws Exception {
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            OpenSsh.Result r = jar(List.of(), "--ssh-listen", "127.0.0.1:" + port, "--enable-key",
                    key.privateKey() + ".pub", "--backend-user", TestUser.backend().name());
            assertFails(r, "sandbox-sshd: cannot listen for SSH on 127.0.0.1:" + port + " (Address already in use): "
                    + "another process listens there (ss -ltnp 'sport = :" + port + "' names it; another sandbox-sshd?): "
                    + "stop it, or pass --ssh-listen HOST:PORT with a free port\n");
        }
    }

    @Test
    void aStateDirThatCannotBeWrittenNamesTheFlag() throws Exception {
        // a directory the daemon's user may not write: root may write any, so as root the daemon runs as nobody
        Path locked = Files.createDirectory(dir.resolve("locked"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r-x------")));
        Path state = locked.resolve("state");
        List<String> prefix = TestUser.ROOT
                ? List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--") : List.of();
        OpenSsh.Result r = jar(prefix, "--state-dir", state.toString());
        assertEquals(1, r.exit(), r.stderr());
        String line = lastLine(r.stderr());
        assertTrue(line.startsWith("sandbox-sshd: cannot write the state directory " + state + " ("), r.stderr());
        assertTrue(line.endsWith("Permission denied): pass --state-dir DIR naming a directory this user can write, "
                + "or start as root for the default /var/lib/sandbox-sshd\n"), r.stderr());
    }

    @Test
    void anUnknownBackendUserSaysHowToCreateItOrNameAnother() throws Exception {
        ClientKey key = ClientKey.ed25519(dir.resolve("client"), "proxy");
        OpenSsh.Result r = jar(List.of(), "--enable-key", key.privateKey() + ".pub", "--backend-user", "no-such-user-4711");
        String self = TestUser.ROOT ? "" : ", such as " + System.getProperty("user.name");
        assertFails(r, "sandbox-sshd: user no-such-user-4711 does not exist on this machine (--backend-user): create it "
                + "(useradd -m no-such-user-4711) or pass --backend-user USER naming an existing one" + self + "\n");
    }

    /** Exit 1, and the sentence is the last line on stderr (log lines, also on stderr, come before it). */
    private static void assertFails(OpenSsh.Result r, String sentence) {
        assertEquals(1, r.exit(), r.stderr());
        assertEquals(sentence, lastLine(r.stderr()), r.stderr());
    }

    private static String lastLine(String stderr) {
        List<String> lines = stderr.lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1) + "\n";
    }

    /** The daemon on free loopback ports with its state in the test's directory, unless the arguments say otherwise. */
    private OpenSsh.Result jar(List<String> prefix, String... args) throws Exception {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(DaemonProcess.javaBinary(), "-jar", DaemonProcess.jar().toString()));
        List<String> given = List.of(args);
        if (!given.contains("--api-listen")) {
            argv.addAll(List.of("--api-listen", "127.0.0.1:0"));
        }
        if (!given.contains("--ssh-listen")) {
            argv.addAll(List.of("--ssh-listen", "127.0.0.1:0"));
        }
        if (!given.contains("--state-dir")) {
            argv.addAll(List.of("--state-dir", dir.resolve("state").toString()));
        }
        argv.addAll(given);
        return OpenSsh.exec(argv, null, null);
    }
}
