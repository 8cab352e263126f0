package dev.sandboxsshd.server;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.forwarding.OpenSshForwardingPolicy;
import dev.sandboxsshd.keys.HostKeys;
import dev.sandboxsshd.pty.PtySessions;
import dev.sandboxsshd.shell.ChildReaper;
import dev.sandboxsshd.shell.Hostname;
import dev.sandboxsshd.shell.HostsFile;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.SpawnLauncher;
import dev.sandboxsshd.shell.UserDatabase;
import dev.sandboxsshd.shell.UserIdentity;
import dev.sandboxsshd.shell.UserLauncher;

/** Starts the daemon: state, host key, API token, the API listener, and SSH if enabled before or by flag. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    /** What the daemon exits with when the JVM itself fails (EX_SOFTWARE); the image restarts it. */
    static final int EXIT_VM_ERROR = 70;
    private static final byte[] VM_ERROR_LINE = "sandbox-sshd: exiting: a thread died of a VM error\n".getBytes();
    private static final byte[] NOTHING = {};

    public static void main(String[] args) {
        long started = System.nanoTime();
        exitOnVirtualMachineError();
        HeapWatchdog.start(EXIT_VM_ERROR);
        DaemonOptions options;
        try {
            options = DaemonOptions.parse(args, System.getenv());
        } catch (DaemonOptions.UsageException e) {
            if (e.getMessage() == null) {
                System.out.print(Flags.help());
                System.exit(0);
            }
            System.err.println("sandbox-sshd: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(options, started);
        } catch (FileSystemException e) { // its message alone is the bare path
            System.err.println("sandbox-sshd: " + e.getFile() + ": " + StartFailure.reason(e)
                    + (e.getOtherFile() == null ? "" : " (" + e.getOtherFile() + ")"));
            System.exit(1);
        } catch (Exception e) {
            System.err.println("sandbox-sshd: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * A thread that dies of an OutOfMemoryError (or another VM error) ends the daemon, with one log line and a
     * non-zero exit: MINA's I/O threads once died so and left a daemon alive but deaf, its listener accepting nothing
     * while the API said enabled. State and host key are on disk, and the image restarts the daemon. Most
     * OutOfMemoryErrors are caught where they are thrown: {@link HeapWatchdog} ends the daemon for those.
     */
    private static void exitOnVirtualMachineError() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof VirtualMachineError) {
                boolean said = false;
                try {
                    System.err.println("sandbox-sshd: exiting: thread " + thread.getName() + " died of " + e);
                    said = true;
                } finally { // without allocating: Runtime.halt cannot be relied on in a full heap
                    HeapWatchdog.exitNow(EXIT_VM_ERROR, said ? NOTHING : VM_ERROR_LINE);
                }
            }
            if (previous != null) {
                previous.uncaughtException(thread, e);
            } else { // what the JDK prints without a handler; its thread group would call this handler again
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                e.printStackTrace(System.err);
            }
        });
    }

    private static void run(DaemonOptions options, long started) throws Exception {
        long pid = ProcessHandle.current().pid();
        // Files the daemon creates for users (SFTP, SCP) and the processes it starts get sshd's default umask.
        UserIdentity.setProcessUmask(UserIdentity.DEFAULT_UMASK);
        if (options.setHostname()) {
            Hostname.set(options.hostname());
            // tools that resolve their own host name (sudo, hostname -f) must find it: one line the daemon owns
            HostsFile.Outcome hosts = HostsFile.ensure(Path.of("/etc/hosts"), options.hostname());
            System.out.println("sandbox-sshd: hostname " + options.hostname() + "; " + hosts.detail());
        }
        Path stateDir = options.stateDir();
        KeyPair hostKey;
        ApiToken token;
        try {
            createPrivateDirectory(stateDir);
            hostKey = HostKeys.loadOrCreate(stateDir);
            token = ApiToken.loadOrCreate(options.apiTokenFile());
        } catch (FileSystemException e) {
            throw StartFailure.unwritableState(stateDir, options.apiTokenFile(), e, UserDatabase.runningAsRoot());
        }
        UserLauncher launcher = SpawnLauncher.forThisProcess();
        ChildReaper.get().adoptOrphans();
        SessionEnvironment sessionEnvironment = new SessionEnvironment(options.sessionEnv(), System.getenv(),
                SessionEnvironment.PAM_ENV_FILES);
        Operating operating = Operating.start(options.operating());
        SshService ssh = new SshService(options.sshListen(), hostKey, launcher, sessionEnvironment,
                new OpenSshForwardingPolicy(options.forwarding()), options.limits(), options.memory(),
                options.clientAlive(), stateDir, options.operating(), operating.observer());
        operating.count(ssh::sessionCount);

        // SSH comes back (or up) before the API answers, so nobody ever sees a restarted daemon as disabled.
        if (options.enableKey() != null) {
            EnableRequest request = enableRequest(options);
            try {
                ssh.enable(request);
            } catch (Refused e) {
                if (e.getMessage().startsWith(SshService.CANNOT_LISTEN)) {
                    throw StartFailure.cannotListen("SSH", options.sshListen(), "--ssh-listen",
                            e.getMessage().substring(e.getMessage().indexOf(": ") + 2));
                }
                throw new StartFailure("--enable-key " + options.enableKey() + ": " + e.getMessage());
            }
        } else {
            ssh.restore();
        }

        PtySessions ptys = new PtySessions(launcher, sessionEnvironment, () -> UserDatabase.byName(options.ptyUser())
                .orElseThrow(() -> new Refused(Kind.FAILED, "the PTY user " + options.ptyUser() + " does not exist")),
                options.ptyIdleTimeout(), PtySessions.DEFAULT_EXITED_GRACE, options.maxPtySessions(), System::nanoTime);
        ptys.startReaping(Duration.ofSeconds(1));
        try {
            new IdleGiveBack(options.memory().idleGiveBack(), () -> ssh.openChannels() > 0
                    || ptys.list().stream().anyMatch(p -> p.connectedClients() > 0), System::nanoTime).start();
        } catch (LinkageError e) { // a runtime without jdk.management
            System.err.println("sandbox-sshd: no idle give-back: " + e);
        }
        operating.countPty(() -> ptys.list().size());
        if (operating.observer() != null) {
            ptys.observe(operating.observer());
        }
        ApiServer api = new ApiServer(options.apiListen(), token, ssh, ptys, started, operating.servedMetrics());
        try {
            api.start();
        } catch (IOException e) {
            ssh.close();
            throw StartFailure.cannotListen("the API", options.apiListen(), "--api-listen", rootMessage(e));
        }
        String apiAddress = api.boundAddress();
        System.out.println("sandbox-sshd: api listening on " + apiAddress + " (pid " + pid + ", token in "
                + options.apiTokenFile().toAbsolutePath().normalize() + ")");

        SshStatus status = ssh.status();
        if (status.enabled()) {
            String port = status.listen().substring(status.listen().lastIndexOf(':') + 1);
            System.out.println("sandbox-sshd: ssh listening on " + status.listen() + " (pid " + pid + ", user "
                    + status.backendUser() + ", host key " + status.hostKeyFingerprint() + "); connect with: ssh -p "
                    + port + " " + status.backendUser() + "@" + connectHost(status.listen()));
        } else {
            System.out.println("sandbox-sshd: ssh disabled; enable with: curl -sS -X POST -H \"Authorization: Bearer $(cat "
                    + options.apiTokenFile().toAbsolutePath().normalize() + ")\" -d \"{\\\"proxy_pubkey\\\": \\\"$(cat ~/.ssh/id_ed25519.pub)\\\"}\" http://"
                    + apiAddress + "/api/v1/ssh/enable");
        }
        System.out.flush();

        DaemonStop stop = new DaemonStop(ssh, ptys, api, ChildReaper.get());
        stop.install();
        stop.await();
        operating.close();
    }

    /** {@code --enable-key} and {@code --backend-user} as the enable call would take them, or what to do instead. */
    private static EnableRequest enableRequest(DaemonOptions options) throws StartFailure {
        Path key = options.enableKey();
        String line;
        try {
            line = Files.readString(key);
        } catch (FileSystemException e) {
            throw StartFailure.unreadableKey(key, e);
        } catch (IOException e) {
            throw new StartFailure("--enable-key " + key + " is not a public key line (" + e.getMessage()
                    + "): pass the .pub file ssh-keygen wrote");
        }
        String name = options.backendUser();
        boolean root = UserDatabase.runningAsRoot();
        PosixUser current = root ? null : UserDatabase.current();
        String self = current == null ? null : current.name();
        PosixUser user = UserDatabase.byName(name).orElseThrow(() -> StartFailure.unknownUser("--backend-user", name,
                !name.equals(EnableRequest.DEFAULT_BACKEND_USER), self));
        if (current != null && user.uid() != current.uid()) {
            throw new StartFailure("the daemon runs as " + self + ", not root, so it can serve only " + self
                    + ": pass --backend-user " + self + ", or start it as root to serve " + name);
        }
        try {
            return EnableRequest.validate(line, name);
        } catch (Refused e) {
            throw new StartFailure("--enable-key " + key + ": " + e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String connectHost(String listen) {
        String host = listen.substring(0, listen.lastIndexOf(':'));
        return host.equals("0.0.0.0") || host.equals("[::]") ? "127.0.0.1" : host;
    }

    /**
     * The state directory (host key, enable state, token): created 0700. An existing one must be a directory owned by
     * the daemon's user that group and others may not write (sshd's StrictModes refuses such a directory for key
     * files); one they may only read or search is made 0700, with one log line, as nothing in it is theirs to see.
     */
    static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw refusedStateDir(dir, "is not a directory (or is a symbolic link)");
        }
        int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        int daemon = UserDatabase.current().uid();
        if (uid != daemon) {
            throw refusedStateDir(dir, "is owned by uid " + uid + ", not the daemon's " + daemon);
        }
        if ((mode & 022) != 0) {
            throw refusedStateDir(dir, String.format("has mode %04o: group or others may write it", mode));
        }
        if ((mode & 077) != 0) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            LOG.warn("state dir {} had mode {}; made it 0700", dir, String.format("%04o", mode));
        }
    }

    private static IOException refusedStateDir(Path dir, String reason) {
        LOG.error("refused state dir: path={} reason={}", dir, reason);
        return new IOException("state dir " + dir + " " + reason + "; refusing to use it");
    }
}
