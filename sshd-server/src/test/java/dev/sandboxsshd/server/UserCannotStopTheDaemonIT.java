package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import dev.sandboxsshd.shell.PosixUser;

/**
 * What a user with a shell would try against the server itself: a process of theirs that, in a loop, sends SIGSTOP,
 * SIGKILL and SIGTERM and {@code prlimit --nofile=8:8} / {@code --cpu=1:1} to every thread of the server's process
 * that shows any of the user's uids in {@code /proc/<pid>/task/<tid>/status}, while logins, sftp, {@code scp -O},
 * forwarding and PTY API sessions run. The kernel must refuse every one (the daemon's identity threads hold another
 * real and saved uid); the server never stops and every operation succeeds. OpenSSH's listener has no thread of
 * the user's, so the same test passes against it. Meanwhile the test reads every thread's credentials: a thread
 * acting for the user has no uid 0 and no capability; any other is root with the full bounding set.
 */
class UserCannotStopTheDaemonIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;
    /** The counts: 100 logins and 20 each of sftp, scp -O, -W and PTY API sessions. */
    private static final int LOGINS = 100;
    private static final int EACH = 20;
    private static final int PARALLEL = 4;

    @TempDir
    static Path dir;
    static BothServers servers;
    static PosixUser user;
    static ServerSocket echo;
    static Thread echoThread;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        user = TestUser.backend();
        servers = BothServers.start(dir);
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept()) {
                    s.getOutputStream().write(s.getInputStream().readAllBytes());
                } catch (Exception closed) {
                    // the test ended, or one client went away
                }
            }
        }, "echo");
        echoThread.setDaemon(true);
        echoThread.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (echo != null) {
            echo.close();
        }
        if (servers != null) {
            servers.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void noSignalOrLimitFromTheUserReachesTheServerWhileItServesThem(String server) throws Exception {
        OpenSsh ssh = servers.client(server);
        long pid = servers.pid(server);
        Path local = TransferFixture.randomFile(Files.createDirectories(dir.resolve(server)), "file", 64 * 1024);
        String remote = TransferFixture.remoteScratch(ssh, "attack-" + server);
        Process attacker = new ProcessBuilder("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(),
                "--init-groups", "--", "bash", "-c", ATTACK, "attack", Long.toString(pid), Integer.toString(user.uid()))
                .redirectErrorStream(true).redirectOutput(dir.resolve(server + "-attack.log").toFile()).start();
        Map<String, Integer> threadsSeen = new ConcurrentHashMap<>();
        List<String> badThreads = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Callable<String>> work = new ArrayList<>();
            for (int i = 0; i < LOGINS; i++) {
                work.add(() -> check("login", ssh.run("true")));
            }
            for (int i = 0; i < EACH; i++) {
                int n = i;
                work.add(() -> check("sftp", ssh.sftp("put " + local + " " + remote + "/sftp-" + n + "\n")));
                work.add(() -> check("scp -O", ssh.scp(List.of("-O"), local.toString(), ":" + remote + "/scp-" + n)));
                // -W opens the same direct-tcpip channel -L does, with the data on ssh's own stdin and stdout
                work.add(() -> {
                    OpenSsh.Result r = ssh.run(List.of("-W", "127.0.0.1:" + echo.getLocalPort()),
                            ("hello " + n).getBytes(StandardCharsets.UTF_8));
                    assertEquals("hello " + n, r.out(), r.stderr());
                    return "forward";
                });
                if (server.equals(OURS)) {
                    work.add(() -> ptyApiSession(n));
                }
            }
            List<Future<String>> done = new ArrayList<>();
            for (Callable<String> w : work) {
                done.add(pool.submit(() -> {
                    sampleThreads(pid, threadsSeen, badThreads);
                    return w.call();
                }));
            }
            for (Future<String> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            DaemonProcess.killTree(attacker.toHandle());
            TransferFixture.cleanup(ssh, remote);
        }
        assertTrue(attacker.waitFor(10, TimeUnit.SECONDS));
        String attackLog = Files.readString(dir.resolve(server + "-attack.log"));
        assertTrue(badThreads.isEmpty(), String.join("\n", badThreads));
        assertFalse(attackLog.contains("accepted"), attackLog);
        if (server.equals(OURS)) {
            assertTrue(attackLog.contains("refused"), "the attacker never saw a thread of the user's: " + attackLog);
            assertTrue(threadsSeen.getOrDefault("identity", 0) > 0, threadsSeen.toString());
        }
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the server ended");
        assertEquals(0, ssh.run("true").exit());
        String limits = Files.readString(Path.of("/proc", Long.toString(pid), "limits"));
        assertFalse(limits.lines().anyMatch(l -> l.startsWith("Max open files") && l.contains(" 8 ")), limits);
    }

    /** Every thread of the server's process: acting for the user (no uid 0, no capability) or root with all. */
    private static void sampleThreads(long pid, Map<String, Integer> seen, List<String> bad) throws Exception {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String status;
                try {
                    status = Files.readString(task.resolve("status"));
                } catch (java.io.IOException ended) {
                    continue;
                }
                String[] uids = field(status, "Uid:").split("\t");
                String capEff = field(status, "CapEff:");
                String capPrm = field(status, "CapPrm:");
                String capBnd = field(status, "CapBnd:");
                String name = field(status, "Name:");
                if (List.of(uids).equals(List.of("0", "0", "0", "0"))) {
                    seen.merge("root", 1, Integer::sum);
                    if (!capEff.equals(capBnd) || !capPrm.equals(capBnd)) {
                        synchronized (bad) {
                            bad.add(name + ": root without its capabilities: " + capEff + " " + capPrm);
                        }
                    }
                } else {
                    seen.merge("identity", 1, Integer::sum);
                    boolean anyRoot = List.of(uids).contains("0");
                    boolean userRealOrSaved = uids[0].equals(String.valueOf(user.uid()))
                            || uids[2].equals(String.valueOf(user.uid()));
                    if (anyRoot || userRealOrSaved || !capEff.equals("0000000000000000")
                            || !capPrm.equals("0000000000000000")) {
                        synchronized (bad) {
                            bad.add(name + ": uids " + String.join(" ", uids) + " CapEff " + capEff + " CapPrm " + capPrm);
                        }
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            // the server ended: the operations report it
        }
    }

    private static String field(String status, String key) {
        return status.lines().filter(l -> l.startsWith(key)).findFirst().orElse(key).substring(key.length()).strip();
    }

    private static String check(String what, OpenSsh.Result r) {
        assertEquals(0, r.exit(), what + ": " + r.stderr());
        return what;
    }

    private String ptyApiSession(int n) throws Exception {
        DaemonProcess daemon = servers.ours.daemon;
        DaemonProcess.Http r = daemon.call("POST", "/api/v1/pty", "{\"command\": \"/bin/echo\", \"args\": [\"pty " + n + "\"]}");
        assertEquals(200, r.status(), r.raw());
        String id = r.body().get("session_id").asText();
        Await.until("the PTY session to end", Duration.ofSeconds(60),
                () -> !daemon.call("GET", "/api/v1/pty/" + id, null).body().get("running").asBoolean());
        return "pty";
    }

    /**
     * The attacker, run as the user: bash builtins only in the scan (kill is one), so it loops fast enough to meet
     * short-lived threads. Prints "accepted" for anything the kernel let through, "refused" otherwise.
     */
    private static final String ATTACK = """
            pid=$1 uid=$2 refused=
            while :; do
              for t in /proc/$pid/task/*; do
                tid=${t##*/} st=
                IFS= read -r -d '' st 2>/dev/null < "$t/status"
                [[ $st =~ Uid:[^$'\\n']*[[:space:]]$uid([[:space:]]|$) ]] || continue
                for sig in STOP KILL TERM; do
                  if kill -$sig "$tid" 2>/dev/null; then echo "accepted $sig $tid"
                  elif [ -z "$refused" ]; then echo "refused $sig $tid"; refused=1; fi
                done
                for limit in --nofile=8:8 --cpu=1:1; do
                  if prlimit --pid "$tid" $limit 2>/dev/null; then echo "accepted $limit $tid"; fi
                done
              done
            done
            """;
}
