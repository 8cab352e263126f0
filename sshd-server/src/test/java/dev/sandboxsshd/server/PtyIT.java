package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.jcraft.jsch.ChannelShell;
import com.jcraft.jsch.Session;

/** Shells and {@code ssh -t} get a real terminal of the client's size and TERM, and follow window changes. */
class PtyIT {
    @TempDir
    static Path dir;
    static SshFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void sshDashTGetsATerminalNamedInSshTty() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-tt"), null,
                "tty; [ -t 0 ] && [ -t 1 ] && echo interactive; echo $SSH_TTY; echo $TERM; stty size");
        assertEquals(0, r.exit(), r.stderr());
        String[] lines = r.out().split("\r\n");
        assertTrue(lines[0].matches("/dev/pts/\\d+"), r.out());
        assertEquals("interactive", lines[1]);
        assertEquals(lines[0], lines[2], "SSH_TTY names the terminal");
        assertTrue(lines[4].matches("\\d+ \\d+"), r.out());
    }

    @Test
    void terminalSizeAndTypeFollowTheClientAndItsWindowChanges() throws Exception {
        Session session = fx.jsch();
        try {
            ChannelShell shell = (ChannelShell) session.openChannel("shell");
            shell.setPtyType("xterm-256color");
            shell.setPtySize(91, 27, 0, 0);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            shell.setOutputStream(out);
            OutputStream in = shell.getOutputStream();
            shell.connect(20_000);
            in.write("echo T=$TERM; stty size | sed 's/^/S=/'\n".getBytes());
            in.flush();
            Await.until("first size", Duration.ofSeconds(20), () -> out.toString().contains("S=27 91"));
            assertTrue(out.toString().contains("T=xterm-256color"), out.toString());
            shell.setPtySize(132, 43, 0, 0);
            in.write("stty size | sed 's/^/S=/'\n".getBytes());
            in.flush();
            Await.until("resized", Duration.ofSeconds(20), () -> out.toString().contains("S=43 132"));
            in.write("exit 9\n".getBytes());
            in.flush();
            Await.until("shell exit", Duration.ofSeconds(20), shell::isClosed);
            assertEquals(9, shell.getExitStatus());
        } finally {
            session.disconnect();
        }
    }

    @Test
    void interactiveOpenSshClientInTmuxFollowsResize() throws Exception {
        Path socket = dir.resolve("tmux.sock");
        List<String> ssh = new ArrayList<>(fx.ssh.sshArgs(List.of("-tt")));
        String sshLine = String.join(" ", ssh.stream().map(a -> "'" + a + "'").toList());
        List<String> tmux = List.of("tmux", "-S", socket.toString());
        try {
            run(tmux, "new-session", "-d", "-x", "100", "-y", "30", "-s", "t", sshLine);
            run(tmux, "send-keys", "-t", "t", "stty size | sed 's/^/S=/'; hostname | sed 's/^/H=/'; id -un | sed 's/^/U=/'", "Enter");
            Await.until("the user's name, printed last", Duration.ofSeconds(20), () -> capture(tmux).contains("U=" + fx.user));
            assertTrue(capture(tmux).contains("S=30 100"), capture(tmux));
            run(tmux, "resize-window", "-t", "t", "-x", "120", "-y", "40");
            run(tmux, "send-keys", "-t", "t", "clear; stty size | sed 's/^/S=/'", "Enter");
            Await.until("size 40 120", Duration.ofSeconds(20), () -> capture(tmux).contains("S=40 120"));
            run(tmux, "send-keys", "-t", "t", "exit", "Enter");
        } finally {
            OpenSsh.exec(List.of("tmux", "-S", socket.toString(), "kill-server"), null, null);
        }
    }

    private static void run(List<String> tmux, String... args) throws Exception {
        List<String> argv = new ArrayList<>(tmux);
        argv.addAll(List.of(args));
        OpenSsh.Result r = OpenSsh.exec(argv, null, null);
        assertEquals(0, r.exit(), argv + ": " + r.stderr());
    }

    private static String capture(List<String> tmux) throws Exception {
        List<String> argv = new ArrayList<>(tmux);
        argv.addAll(List.of("capture-pane", "-p", "-t", "t"));
        return OpenSsh.exec(argv, null, null).out();
    }
}
