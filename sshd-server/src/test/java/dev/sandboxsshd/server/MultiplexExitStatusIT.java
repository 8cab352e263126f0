package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
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
 *
 * <p>The client may also close a channel first (its output reader gone, a killed mux client): the command is then
 * given its pipes' end as sshd gives it, and a command that ends has its exit reported before our CLOSE.
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

        int logFrom = read(masterLog).length();
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
                () -> count(read(masterLog).substring(logFrom), "free: client-session") >= RUNS);
        List<String> wrongOrder = checkMasterLog(runs, channels(read(masterLog).substring(logFrom)));

        assertTrue(wrongCodes.isEmpty() && wrongOrder.isEmpty(), () -> wrongCodes.size() + " of " + RUNS
                + " runs lost their exit code, " + wrongOrder.size() + " channels ended out of order (" + millis
                + " ms for the runs)\n" + String.join("\n", wrongCodes) + "\n" + String.join("\n", wrongOrder));
    }

    /**
     * The client closes first when it can no longer write the output ({@code ssh host cmd | head -1}): the master
     * sends CLOSE, and sshd closes the command's pipes, waits for it and reports its exit before its own CLOSE.
     * Here {@code yes} dies of SIGPIPE, the shell goes on to {@code exit 3}, and the client exits 3, as with sshd.
     */
    @Test
    void aClientThatStopsReadingGetsTheExitCodeAsWithSshd() throws Exception {
        for (String tty : List.of("", "-tt")) {
            Process client = new ProcessBuilder(muxArgs(tty.isEmpty() ? List.of() : List.of(tty), "yes; exit 3"))
                    .redirectInput(new File("/dev/null")).start();
            try {
                var stderr = OpenSsh.readAll(client.getErrorStream());
                InputStream out = client.getInputStream();
                assertEquals('y', out.read());
                out.close(); // as head does once it has its line
                assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client to end");
                // on a terminal, closing it hangs up the shell (as sshd's does): a signal death, so 255 either way
                assertEquals(tty.isEmpty() ? 3 : 255, client.exitValue(), () -> tty + " " + new String(stderr.join()));
            } finally {
                DaemonProcess.killTree(client.toHandle());
            }
        }
    }

    /**
     * A mux client killed while its command runs: the master closes the channel (EOF and CLOSE) at its next event
     * (it has nothing to send a server that is not OpenSSH, so it sleeps until something happens: a check here).
     * The command ends soon after its stdin's EOF; its exit is still reported, before our CLOSE, as sshd does.
     */
    @Test
    void aCommandEndingAfterTheClientClosedStillReportsItsExit() throws Exception {
        int logFrom = read(masterLog).length();
        Process client = new ProcessBuilder(muxArgs(List.of(), "echo ready; cat; sleep 0.3; exit 5")).start();
        try {
            assertEquals('r', client.getInputStream().read());
        } finally {
            DaemonProcess.killTree(client.toHandle());
            client.getOutputStream().close();
        }
        List<String> events = closedChannel(logFrom);
        assertTrue(reportedBeforeEofAndClose(events, "exit-status"), events::toString);
    }

    /**
     * A command that neither reads nor writes outlives a closed channel with sshd (which holds its CLOSE until the
     * command ends); here it is hung up, as for a dropped connection, once the channel closed.
     */
    @Test
    void aCommandIgnoringTheClosedChannelIsHungUp() throws Exception {
        for (String tty : List.of("", "-tt")) {
            long marker = 1_000_000 + ThreadLocalRandom.current().nextLong(1_000_000_000L);
            int logFrom = read(masterLog).length();
            Process client = new ProcessBuilder(muxArgs(tty.isEmpty() ? List.of() : List.of(tty),
                    "echo ready; sleep " + marker)).start();
            try {
                assertEquals('r', client.getInputStream().read());
                Await.until("sleep to start", Duration.ofSeconds(20), () -> sleeping(marker));
            } finally {
                DaemonProcess.killTree(client.toHandle());
                client.getOutputStream().close();
            }
            closedChannel(logFrom);
            Await.until("the session to be hung up", Duration.ofSeconds(20), () -> !sleeping(marker));
        }
    }

    /** Wakes the master until it has closed the one channel opened after {@code logFrom}, and returns its events. */
    private static List<String> closedChannel(int logFrom) throws Exception {
        List<List<String>> found = new ArrayList<>();
        Await.until("the master to close the channel", Duration.ofSeconds(30), () -> {
            mux(List.of("-O", "check"), null);
            List<List<String>> channels = channels(read(masterLog).substring(logFrom));
            found.clear();
            found.addAll(channels);
            return channels.size() == 1 && channels.get(0).contains("free: client-session");
        });
        return found.get(0);
    }

    private static boolean sleeping(long marker) {
        String[] args = {Long.toString(marker)};
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().command().orElse("").endsWith("/sleep")
                && Arrays.equals(args, p.info().arguments().orElse(null)));
    }

    /**
     * Per channel of the master, in the order they were opened (one run after another): one exit report of the run's
     * kind, and it came before our EOF and our CLOSE.
     */
    private static List<String> checkMasterLog(List<Run> runs, List<List<String>> channels) {
        assertEquals(runs.size(), channels.size(), "session channels in the master's log");
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            List<String> events = channels.get(i);
            if (!reportedBeforeEofAndClose(events, run.signal() ? "exit-signal" : "exit-status")) {
                problems.add(run + ": " + events);
            }
        }
        return problems;
    }

    private static boolean reportedBeforeEofAndClose(List<String> events, String report) {
        int at = events.indexOf(report);
        int eof = events.indexOf("rcvd eof");
        int close = events.indexOf("rcvd close");
        boolean one = events.stream().filter(e -> e.startsWith("exit-")).count() == 1;
        return one && at >= 0 && close >= 0 && at < close && (eof < 0 || at < eof);
    }

    /** The master's session channels in a piece of its log, each as the events we watch, in order of opening. */
    private static List<List<String>> channels(String log) {
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
        return channels;
    }

    /** ssh over the master's connection. */
    private static OpenSsh.Result mux(List<String> options, byte[] stdin, String... remote) throws Exception {
        return OpenSsh.exec(muxArgs(options, remote), stdin, null);
    }

    private static List<String> muxArgs(List<String> options, String... remote) {
        List<String> all = new ArrayList<>(List.of("-o", "ControlPath=" + control));
        all.addAll(options);
        return fx.ssh.sshArgs(all, remote);
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
