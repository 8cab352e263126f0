package dev.sandboxsshd.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The real daemon jar, started as its own process on port 0 with a private state dir, and ended by its pid
 * (with every process it started) when the test is done.
 */
final class DaemonProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern API_LINE = Pattern.compile("api listening on (\\S+) \\(pid (\\d+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    final Path stateDir;
    final Path log;
    final String api;
    /** The daemon's pid as this test sees it (not the 1 it has inside a pid namespace of its own). */
    final long pid;
    /** The pid the daemon reports for itself: {@link #pid}, or its pid inside the namespace a prefix made. */
    final long ownPid;
    final List<String> stdout = new ArrayList<>();
    private final Process process;

    record Http(int status, JsonNode body, String raw) {
    }

    private DaemonProcess(Path stateDir, String api, long ownPid, Process process) throws IOException {
        this.stateDir = stateDir;
        this.log = logOf(stateDir);
        this.api = api;
        this.pid = hostPid(process, ownPid);
        this.ownPid = ownPid;
        this.process = process;
    }

    /** A marker in the daemon's own environment that must never reach a user's session. */
    static final String LEAK_MARKER = "SANDBOX_SSHD_TEST_DAEMON_ONLY";

    static DaemonProcess start(Path stateDir, String... extraArgs) throws IOException {
        return start(List.of(), stateDir, extraArgs);
    }

    /** @param prefix a wrapper such as {@code unshare --pid --fork --mount-proc} */
    static DaemonProcess start(List<String> prefix, Path stateDir, String... extraArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of("--api-listen", "127.0.0.1:0", "--ssh-listen", "127.0.0.1:0",
                "--state-dir", stateDir.toString()));
        command.addAll(List.of(extraArgs));
        return startWith(prefix, stateDir, command);
    }

    /** @param prefix a wrapper such as {@code unshare --uts --fork} */
    static DaemonProcess startWith(List<String> prefix, Path stateDir, List<String> args) throws IOException {
        return startWith(prefix, stateDir, args, Map.of());
    }

    /** @param environment added to the daemon's own environment (which is this JVM's, plus {@link #LEAK_MARKER}) */
    static DaemonProcess startWith(List<String> prefix, Path stateDir, List<String> args, Map<String, String> environment)
            throws IOException {
        return launch(prefix, stateDir, args, environment, classDataSharing());
    }

    /**
     * The daemon as deployed: through {@code bin/sandbox-sshd}, so with the launcher's JVM settings (its heap cap and
     * collector), on this test's java and jar, without a class-data archive (the launcher would write one beside the
     * jar). The launcher execs java, so the pid is the JVM's.
     */
    static DaemonProcess startDeployed(Path stateDir, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of(launcher().toString(), "--api-listen", "127.0.0.1:0",
                "--ssh-listen", "127.0.0.1:0", "--state-dir", stateDir.toString()));
        args.addAll(List.of(extraArgs));
        return launch(List.of(), stateDir, args, Map.of("SANDBOX_SSHD_JAR", jar().toString(),
                "SANDBOX_SSHD_JAVA", javaBinary(), "SANDBOX_SSHD_CDS", "off"), null);
    }

    /** bin/sandbox-sshd of the tree the jar was built in. */
    static Path launcher() {
        Path launcher = jar().getParent().getParent().getParent().resolve("bin/sandbox-sshd");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("launcher missing at " + launcher);
        }
        return launcher;
    }

    /** @param jvmOptions null: {@code args} is the whole command line (a launcher), not the jar's arguments */
    private static DaemonProcess launch(List<String> prefix, Path stateDir, List<String> args,
                                        Map<String, String> environment, List<String> jvmOptions) throws IOException {
        Files.createDirectories(stateDir.getParent());
        Path log = logOf(stateDir);
        List<String> argv = new ArrayList<>(prefix);
        if (jvmOptions != null) {
            argv.add(javaBinary());
            argv.addAll(jvmOptions);
            argv.addAll(List.of("-jar", jar().toString()));
        }
        argv.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(argv).redirectError(log.toFile());
        builder.environment().put(LEAK_MARKER, "leaked");
        builder.environment().putAll(environment);
        Process process = builder.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> seen = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // daemon gone
            }
        }, "daemon-stdout");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (System.nanoTime() < deadline) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    if (!process.isAlive()) {
                        break;
                    }
                    continue;
                }
                seen.add(line);
                Matcher m = API_LINE.matcher(line);
                if (m.find()) {
                    long ownPid = Long.parseLong(m.group(2));
                    DaemonProcess daemon = new DaemonProcess(stateDir, m.group(1), ownPid, process);
                    daemon.stdout.addAll(seen);
                    Thread drain = new Thread(() -> {
                        try {
                            while (true) {
                                String next = lines.take();
                                synchronized (daemon.stdout) {
                                    daemon.stdout.add(next);
                                }
                            }
                        } catch (InterruptedException ignored) {
                            // test over
                        }
                    }, "daemon-stdout-drain");
                    drain.setDaemon(true);
                    drain.start();
                    return daemon;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killTree(process.toHandle());
        throw new IOException("daemon did not report its API address; stdout=" + seen + " stderr="
                + (Files.exists(log) ? Files.readString(log) : ""));
    }

    /** Where the daemon's stderr goes: next to its state dir, so a test's temporary directory holds both. */
    private static Path logOf(Path stateDir) {
        return stateDir.resolveSibling(stateDir.getFileName() + ".log");
    }

    private static List<String> cdsOptions;

    /**
     * Class-data sharing for the test daemons, as bin/sandbox-sshd gives the shipped one: a suite starts ~55 daemons,
     * and one that maps its classes from an archive instead of loading and verifying them starts on ~1.2 s less CPU
     * (API answering 1.8-2.4 -> 1.0-1.3 s; enable, a login and an sftp 1.1 -> 0.6 s). The archive is written once per
     * jar, by a daemon that starts, is enabled, serves a login and an sftp session and is stopped (a dynamic archive
     * on top of the JDK's own, which a java without one, such as the bundled runtime, cannot have: none then). A file
     * lock keeps the test JVMs that run side by side from writing it twice; one that finds another writing it starts
     * its daemons without until the archive is there.
     */
    private static synchronized List<String> classDataSharing() {
        if (cdsOptions != null) {
            return cdsOptions;
        }
        Path jar = jar();
        Path archive = jar.resolveSibling(jar.getFileName() + ".it-" + Integer.toHexString(javaBinary().hashCode()) + ".jsa");
        List<String> quiet = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        List<String> use = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive));
        use.addAll(quiet);
        try {
            Path java = Path.of(javaBinary()).toRealPath();
            if (!Files.isRegularFile(java.getParent().getParent().resolve("lib/server/classes.jsa"))) {
                cdsOptions = List.of();
                return cdsOptions;
            }
            if (isFresh(archive, jar)) {
                cdsOptions = List.copyOf(use);
                return cdsOptions;
            }
            try (FileChannel lockFile = FileChannel.open(jar.resolveSibling("it-cds.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
                if (lock == null) {
                    return List.of(); // another test JVM is writing it
                }
                if (!isFresh(archive, jar)) {
                    Files.deleteIfExists(archive);
                    Path written = archive.resolveSibling(archive.getFileName() + ".part");
                    Files.deleteIfExists(written);
                    List<String> dump = new ArrayList<>(List.of("-XX:ArchiveClassesAtExit=" + written));
                    dump.addAll(quiet);
                    train(dump);
                    Files.move(written, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            cdsOptions = List.copyOf(use);
        } catch (Exception e) {
            System.err.println("test daemons run without a class-data archive: " + e);
            cdsOptions = List.of();
        }
        return cdsOptions;
    }

    private static boolean isFresh(Path archive, Path jar) throws IOException {
        return Files.exists(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) >= 0;
    }

    /** A daemon run with the given options through what most tests do first; the archive is written as it exits. */
    private static void train(List<String> jvmOptions) throws Exception {
        Path dir = Files.createTempDirectory("daemon-cds");
        DaemonProcess daemon = launch(List.of(), dir.resolve("state"), List.of("--api-listen", "127.0.0.1:0",
                "--ssh-listen", "127.0.0.1:0", "--state-dir", dir.resolve("state").toString()), Map.of(), jvmOptions);
        try {
            ClientKey key = ClientKey.ed25519(dir.resolve("client"), "cds");
            String user = TestUser.backend().name();
            if (daemon.enable(key.publicLine(), user).status() != 200) {
                throw new IOException("enable failed");
            }
            OpenSsh ssh = new OpenSsh(daemon.sshPort(), user, key);
            ssh.run("true");
            ssh.sftp("pwd\n");
        } finally {
            daemon.close(); // SIGTERM: the daemon exits normally, and the JVM writes the archive
        }
        if (daemon.process.exitValue() != 0) {
            throw new IOException("the training daemon exited with " + daemon.process.exitValue());
        }
    }

    /**
     * The daemon among the started process and its descendants: the one whose innermost pid ({@code NSpid}'s last
     * field) is the pid it reported, which is its plain pid when no prefix made a pid namespace.
     */
    private static long hostPid(Process started, long reported) throws IOException {
        List<ProcessHandle> candidates = new ArrayList<>(List.of(started.toHandle()));
        candidates.addAll(started.toHandle().descendants().toList());
        for (ProcessHandle p : candidates) {
            List<Long> nspids = Procs.namespacePids(p.pid());
            if (!nspids.isEmpty() && nspids.get(nspids.size() - 1) == reported) {
                return p.pid();
            }
        }
        throw new IOException("no process under " + started.pid() + " has pid " + reported + " in its namespace");
    }

    static Path jar() {
        String jar = System.getProperty("sandbox.sshd.jar");
        Path path = jar != null ? Path.of(jar) : Path.of("target", "sandbox-sshd.jar");
        if (!Files.exists(path)) {
            throw new IllegalStateException("daemon jar missing at " + path + "; run mvn verify");
        }
        return path.toAbsolutePath();
    }

    /**
     * The java the daemon runs on: {@code -Dsandbox.sshd.java=…} (e.g. the bundled runtime's
     * {@code target/runtime/opt/sandbox-sshd/runtime/bin/java}, to run every test against it), else this JVM's.
     */
    static String javaBinary() {
        String java = System.getProperty("sandbox.sshd.java", "");
        return java.isBlank() ? Path.of(System.getProperty("java.home"), "bin", "java").toString()
                : Path.of(java).toAbsolutePath().toString();
    }

    String token() throws IOException {
        return Files.readString(stateDir.resolve("api-token")).strip();
    }

    Http call(String method, String path, String body) throws IOException, InterruptedException {
        return call(method, path, body, "Bearer " + token());
    }

    Http call(String method, String path, String body, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + api + path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException notJson) {
            // left null; tests assert on it
        }
        return new Http(r.statusCode(), json, r.body());
    }

    Http enable(String pubkeyLine, String user) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("proxy_pubkey", pubkeyLine);
        if (user != null) {
            body.put("backend_user", user);
        }
        return call("POST", "/api/v1/ssh/enable", body.toString());
    }

    Http status() throws IOException, InterruptedException {
        return call("GET", "/api/v1/ssh", null);
    }

    /** The SSH port from {@code GET /api/v1/ssh}. */
    int sshPort() throws IOException, InterruptedException {
        String listen = status().body().get("listen").asText();
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Waits until the daemon's log has a line containing all of the given parts, and returns it. */
    String awaitLogLine(String... parts) throws Exception {
        String[] found = new String[1];
        try {
            Await.until("a log line with " + List.of(parts), java.time.Duration.ofSeconds(20), () -> {
                found[0] = log().lines().filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains))
                        .findFirst().orElse(null);
                return found[0] != null;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " in:\n" + log());
        }
        return found[0];
    }

    List<String> stdoutLines() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    /** The daemon's thread names as the kernel has them (cut to 15 bytes). */
    List<String> threadNames() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            List<String> names = new ArrayList<>();
            for (Path task : tasks.toList()) {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException ended) {
                    // the thread ended while we listed
                }
            }
            return names;
        }
    }

    /**
     * The daemon's threads whose kernel name starts with one of the prefixes (names are cut to 15 bytes). Counting
     * all threads instead would pass when an unrelated pool thread (MINA's, Jetty's, the JIT's) happened to exit.
     */
    List<String> threadsNamed(String... prefixes) throws IOException {
        return threadNames().stream().filter(n -> Arrays.stream(prefixes).anyMatch(n::startsWith)).toList();
    }

    /** The daemon's resident set now, in KiB ({@code VmRSS}). */
    long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    /** How many file descriptors the daemon has open now. */
    long openFds() throws IOException {
        return countEntries("fd");
    }

    private long countEntries(String procDir) throws IOException {
        try (var entries = Files.list(Path.of("/proc/" + pid + "/" + procDir))) {
            return entries.count();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the daemon (with its prefix, which passes its status on) to exit; its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the daemon did not exit within " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        ProcessHandle.of(pid).ifPresent(DaemonProcess::killTree);
        killTree(process.toHandle());
    }

    static void killTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(root);
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }
}
