package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many channels, one after another, over one multiplexed connection ({@code ControlMaster}), as a proxy relays them:
 * every channel reports its exit ({@code exit-status}, or {@code exit-signal} for a signal death) before its EOF and
 * CLOSE, as sshd does. The master closes a channel as soon as it has our EOF, so an exit sent after the EOF is lost
 * whenever the master's CLOSE is handled first (the mux client then exits 255, {@code regress/multiplex.sh}'s
 * "exit code mismatch: 255 != 4").
 *
 * <p>The mux client only relays {@code exit-status}; whether a signal death was reported, and in what order against
 * EOF and CLOSE for every channel, is read from the master's own {@code -vv} log.
 */
class MultiplexExitStatusIT {
    private static final int RUNS = 300;
    private static final Pattern NEW_SESSION = Pattern.compile("channel (\\d+): new session \\[client-session\\]");
    private static final Pattern EVENT = Pattern.compile(
            "channel (\\d+)(?:: | rtype )(rcvd eof|rcvd close|exit-status|exit-signal|free: client-session)");

    @TempDir
    static Path dir;
    static SshFixture fx;
    static Path control;
    static Path masterLog;
    static Process master;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
        control = dir.resolve("mux");
        masterLog = dir.resolve("master.log");
        master = new ProcessBuilder(fx.ssh.sshArgs(List.of("-M", "-N", "-vv", "-E", masterLog.toString(),
                "-o", "ControlPath=" + control)))
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("master.out").toFile()).start();
        Await.until("the control master", Duration.ofSeconds(30),
                () -> mux(List.of("-O", "check"), null).exit() == 0 || !master.isAlive());
        assertTrue(master.isAlive(), () -> "master ended: " + read(masterLog));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (master != null) {
                mux(List.of("-O", "exit"), null);
                if (!master.waitFor(10, TimeUnit.SECONDS)) {
                    DaemonProcess.killTree(master.toHandle());
                }
            }
        } finally {
            fx.close();
        }
    }

    private enum Kind {
        EXEC, PTY_EXEC, SHELL, SIGNAL, PTY_SIGNAL, SFTP
    }

    private record Run(int index, Kind kind, int code) {
        boolean signal() {
            return kind == Kind.SIGNAL || kind == Kind.PTY_SIGNAL;
        }
    }

    @Test
    void everyChannelReportsItsExitBeforeEofAndClose() throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            Kind kind = switch (i % 20) {
                case 5, 15 -> Kind.PTY_EXEC;
                case 7 -> Kind.SHELL;
                case 11 -> Kind.SIGNAL;
                case 13 -> Kind.PTY_SIGNAL;
                case 17 -> Kind.SFTP;
                default -> Kind.EXEC;
            };
            runs.add(new Run(i, kind, (i * 37) % 256));
        }

        List<String> wrongCodes = new ArrayList<>();
        long started = System.nanoTime();
        for (Run run : runs) {
            OpenSsh.Result r = switch (run.kind) {
                case EXEC -> mux(List.of(), null, "exit " + run.code);
                case PTY_EXEC -> mux(List.of("-tt"), null, "exit " + run.code);
                case SHELL -> mux(List.of(), ("exit " + run.code + "\n").getBytes(StandardCharsets.UTF_8));
                case SIGNAL -> mux(List.of(), null, "kill -TERM $$");
                case PTY_SIGNAL -> mux(List.of("-tt"), null, "kill -KILL $$");
                case SFTP -> sftp("pwd\n");
            };
            // the mux client relays exit-status only: a signal death leaves it without a code, so 255, as with sshd
            int expected = run.signal() ? 255 : run.kind == Kind.SFTP ? 0 : run.code;
            if (r.exit() != expected) {
                wrongCodes.add(run + " exited " + r.exit() + " " + r.stderr().strip());
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        Await.until("the master to free every channel", Duration.ofSeconds(30),
                () -> count(read(masterLog), "free: client-session") >= RUNS);
        List<String> wrongOrder = checkMasterLog(runs, read(masterLog));

        assertTrue(wrongCodes.isEmpty() && wrongOrder.isEmpty(), () -> wrongCodes.size() + " of " + RUNS
                + " runs lost their exit code, " + wrongOrder.size() + " channels ended out of order (" + millis
                + " ms for the runs)\n" + String.join("\n", wrongCodes) + "\n" + String.join("\n", wrongOrder));
    }

    /**
     * Per channel of the master, in the order they were opened (one run after another): one exit report of the run's
     * kind, and it came before our EOF and our CLOSE.
     */
    private static List<String> checkMasterLog(List<Run> runs, String log) {
        List<String> problems = new ArrayList<>();
        Map<String, List<String>> open = new HashMap<>();
        List<List<String>> channels = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher opened = NEW_SESSION.matcher(line);
            if (opened.find()) {
                List<String> events = new ArrayList<>();
                open.put(opened.group(1), events);
                channels.add(events);
                continue;
            }
            Matcher event = EVENT.matcher(line);
            if (event.find()) {
                List<String> events = open.get(event.group(1));
                if (events != null) {
                    events.add(event.group(2));
                    if (event.group(2).startsWith("free")) {
                        open.remove(event.group(1));
                    }
                }
            }
        }
        assertEquals(runs.size(), channels.size(), "session channels in the master's log");
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            List<String> events = channels.get(i);
            String report = run.signal() ? "exit-signal" : "exit-status";
            int at = events.indexOf(report);
            int eof = events.indexOf("rcvd eof");
            int close = events.indexOf("rcvd close");
            boolean one = events.stream().filter(e -> e.startsWith("exit-")).count() == 1;
            if (!one || at < 0 || close < 0 || at > close || (eof >= 0 && at > eof)) {
                problems.add(run + ": " + events);
            }
        }
        return problems;
    }

    /** ssh over the master's connection. */
    private static OpenSsh.Result mux(List<String> options, byte[] stdin, String... remote) throws Exception {
        List<String> all = new ArrayList<>(List.of("-o", "ControlPath=" + control));
        all.addAll(options);
        return fx.ssh.run(all, stdin, remote);
    }

    private static OpenSsh.Result sftp(String batch) throws Exception {
        List<String> args = fx.ssh.baseArgs("sftp");
        args.addAll(List.of("-o", "ControlPath=" + control, "-o", "LogLevel=ERROR", "-b", "-", fx.user + "@127.0.0.1"));
        return OpenSsh.exec(args, batch.getBytes(StandardCharsets.UTF_8), null);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
