package dev.sandboxsshd.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.sandboxsshd.forwarding.ForwardingOptions;
import dev.sandboxsshd.server.pty.PtySessions;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.UserDatabase;

/** The command line, parsed and with its defaults applied. The flags are a contract with tests and images. */
public record DaemonOptions(HostPort apiListen, HostPort sshListen, Path stateDir, Path apiTokenFile, String hostname,
                            boolean setHostname, Path enableKey, String backendUser, ForwardingOptions forwarding,
                            String ptyUser, Duration ptyIdleTimeout, SessionEnvironment.Mode sessionEnv,
                            SshLimits limits, int maxPtySessions) {

    /** The API's default port; loopback only, since the API hands out SSH access. */
    public static final int DEFAULT_API_PORT = 7422;

    public static final String USAGE = """
            usage: java -jar sandbox-sshd.jar [flags]

              --api-listen HOST:PORT    HTTP API address (default 127.0.0.1:%d)
              --ssh-listen HOST:PORT    SSH address once enabled (default 0.0.0.0:22 as root, 127.0.0.1:2222 otherwise)
              --state-dir DIR           host key, API token, saved enable state
                                        (default /var/lib/sandbox-sshd as root,
                                        $XDG_STATE_HOME/sandbox-sshd or ~/.local/state/sandbox-sshd otherwise)
              --api-token-file FILE     bearer token for the API, created (mode 0600) when missing
                                        (default <state-dir>/api-token)
              --hostname NAME           hostname to set with --set-hostname (default tl-sbx)
              --set-hostname            set the kernel hostname at start (needs privilege in its UTS namespace)
              --enable-key FILE         enable SSH at start with this public key, as POST /api/v1/ssh/enable would
              --backend-user USER       the user --enable-key logs in as (default tl-user)
              --no-forwarding           refuse all forwarding (ssh -L, -D, -R, TCP and UNIX sockets, and -A)
              --no-agent-forwarding     refuse agent forwarding (ssh -A)
              --gateway-ports           bind ssh -R listeners where the client asks (all interfaces for *);
                                        without it they are on loopback only
              --stream-local-bind-unlink
                                        replace an existing file at an ssh -R socket path
                                        (without it such a forward is refused)
              --pty-user USER           the user PTY API sessions run as
                                        (default tl-user as root, the daemon's own user otherwise)
              --pty-idle-timeout SECONDS
                                        kill a PTY session nobody has been attached to for this long
                                        (default 300)
              --session-env image|clean what sessions start with: the daemon's environment as the image
                                        declares it, less the daemon's own, then /etc/environment (image,
                                        default); or only /etc/environment and the login's, as sshd (clean)
              --max-startups START:RATE:FULL
                                        unauthenticated connections: past START refuse new ones with
                                        probability RATE%%, rising to 100%% at FULL (default 10:30:100)
              --max-auth-tries N        authentication attempts per connection (default 6)
              --max-sessions N          session channels per connection (default 10)
              --max-channels N          channels of any kind per connection (default 100)
              --max-sftp-handles N      open files and directories per SFTP session (default 256)
              --max-pty-sessions N      PTY API sessions at once, exited ones included (default 64)
              --help                    print this and exit
            """.formatted(DEFAULT_API_PORT);

    /** Thrown for a bad command line; the message is the one line to print before exiting 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    public static DaemonOptions parse(String[] args, Map<String, String> env) throws UsageException {
        boolean root = UserDatabase.runningAsRoot();
        HostPort api = new HostPort("127.0.0.1", DEFAULT_API_PORT);
        HostPort ssh = root ? new HostPort("0.0.0.0", 22) : new HostPort("127.0.0.1", 2222);
        Path stateDir = null;
        Path tokenFile = null;
        String hostname = "tl-sbx";
        boolean setHostname = false;
        Path enableKey = null;
        String backendUser = null;
        String ptyUser = null;
        Duration ptyIdleTimeout = PtySessions.DEFAULT_IDLE_TIMEOUT;
        SessionEnvironment.Mode sessionEnv = SessionEnvironment.Mode.IMAGE;
        SshLimits.Startups maxStartups = SshLimits.DEFAULTS.maxStartups();
        int maxAuthTries = SshLimits.DEFAULTS.maxAuthTries();
        int maxSessions = SshLimits.DEFAULTS.maxSessions();
        int maxChannels = SshLimits.DEFAULTS.maxChannels();
        int maxPtySessions = PtySessions.DEFAULT_MAX_SESSIONS;
        int maxSftpHandles = SshLimits.DEFAULTS.maxSftpHandles();
        boolean forwarding = ForwardingOptions.DEFAULTS.enabled();
        boolean gatewayPorts = ForwardingOptions.DEFAULTS.gatewayPorts();
        boolean streamLocalBindUnlink = ForwardingOptions.DEFAULTS.streamLocalBindUnlink();
        boolean agentForwarding = ForwardingOptions.DEFAULTS.agentForwarding();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            switch (flag) {
                case "--help", "-h" -> throw new UsageException(null);
                case "--set-hostname" -> setHostname = true;
                case "--no-forwarding" -> forwarding = false;
                case "--gateway-ports" -> gatewayPorts = true;
                case "--stream-local-bind-unlink" -> streamLocalBindUnlink = true;
                case "--no-agent-forwarding" -> agentForwarding = false;
                case "--api-listen", "--ssh-listen", "--state-dir", "--api-token-file", "--hostname", "--enable-key",
                     "--backend-user", "--pty-user", "--pty-idle-timeout", "--session-env", "--max-startups",
                     "--max-auth-tries", "--max-sessions", "--max-channels", "--max-pty-sessions",
                     "--max-sftp-handles" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException(flag + " needs a value");
                        }
                        value = args[++i];
                    }
                    try {
                        switch (flag) {
                            case "--api-listen" -> api = HostPort.parse(value);
                            case "--ssh-listen" -> ssh = HostPort.parse(value);
                            case "--state-dir" -> stateDir = Path.of(value);
                            case "--api-token-file" -> tokenFile = Path.of(value);
                            case "--hostname" -> hostname = validHostname(value);
                            case "--enable-key" -> enableKey = Path.of(value);
                            case "--pty-user" -> ptyUser = value;
                            case "--pty-idle-timeout" -> ptyIdleTimeout = seconds(value);
                            case "--session-env" -> sessionEnv = sessionEnv(value);
                            case "--max-startups" -> maxStartups = SshLimits.Startups.parse(value);
                            case "--max-auth-tries" -> maxAuthTries = positive(value);
                            case "--max-sessions" -> maxSessions = positive(value);
                            case "--max-channels" -> maxChannels = positive(value);
                            case "--max-pty-sessions" -> maxPtySessions = positive(value);
                            case "--max-sftp-handles" -> maxSftpHandles = positive(value);
                            default -> backendUser = value;
                        }
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(flag + ": " + e.getMessage());
                    }
                }
                default -> throw new UsageException("unknown flag '" + args[i] + "' (see --help)");
            }
        }
        if (backendUser != null && enableKey == null) {
            throw new UsageException("--backend-user is only meaningful with --enable-key");
        }
        if (stateDir == null) {
            stateDir = defaultStateDir(root, env);
        }
        if (tokenFile == null) {
            tokenFile = stateDir.resolve("api-token");
        }
        if (ptyUser == null) {
            ptyUser = root ? EnableRequest.DEFAULT_BACKEND_USER : UserDatabase.current().name();
        }
        return new DaemonOptions(api, ssh, stateDir, tokenFile, hostname, setHostname, enableKey, backendUser,
                new ForwardingOptions(forwarding, gatewayPorts, streamLocalBindUnlink, agentForwarding), ptyUser,
                ptyIdleTimeout, sessionEnv, limits(maxStartups, maxAuthTries, maxSessions, maxChannels, maxSftpHandles),
                maxPtySessions);
    }

    private static SshLimits limits(SshLimits.Startups startups, int authTries, int sessions, int channels,
                                    int sftpHandles) throws UsageException {
        try {
            return new SshLimits(startups, authTries, sessions, channels, sftpHandles);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--max-channels must be at least --max-sessions");
        }
    }

    private static int positive(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("'" + value + "' is not a whole number of at least 1");
    }

    private static SessionEnvironment.Mode sessionEnv(String value) {
        return switch (value) {
            case "image" -> SessionEnvironment.Mode.IMAGE;
            case "clean" -> SessionEnvironment.Mode.CLEAN;
            default -> throw new IllegalArgumentException("'" + value + "' is not image or clean");
        };
    }

    private static Duration seconds(String value) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a whole number of seconds");
        }
        if (n < 1) {
            throw new IllegalArgumentException("must be at least 1 second, got " + n);
        }
        return Duration.ofSeconds(n);
    }

    private static Path defaultStateDir(boolean root, Map<String, String> env) {
        if (root) {
            return Path.of("/var/lib/sandbox-sshd");
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "sandbox-sshd");
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "sandbox-sshd");
    }

    private static String validHostname(String name) {
        if (!name.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
                || name.length() > 64) {
            throw new IllegalArgumentException("'" + name + "' is not a valid hostname");
        }
        return name;
    }
}
