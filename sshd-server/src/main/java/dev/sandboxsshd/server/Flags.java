package dev.sandboxsshd.server;

import static dev.sandboxsshd.server.Flag.Default.code;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import dev.sandboxsshd.server.Flag.Default;
import dev.sandboxsshd.server.proxy.AddressRange;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.UserDatabase;

/**
 * Every flag of the daemon with its default and meaning: the one table parsing, {@code --help} and README's
 * "Command line" table come from (FlagsTest checks README against it).
 */
public final class Flags {
    private static final Path ROOT_STATE_DIR = Path.of("/var/lib/sandbox-sshd");
    private static final String STATE_DIR_NAME = "sandbox-sshd";
    private static final String TOKEN_FILE_NAME = "api-token";

    /** Loopback only, since the API hands out SSH access. */
    public static final Flag<HostPort> API_LISTEN = Flag.value("--api-listen", "HOST:PORT", HostPort::parse,
            Default.of(new HostPort("127.0.0.1", 7422)), "HTTP API address");
    public static final Flag<HostPort> SSH_LISTEN = Flag.value("--ssh-listen", "HOST:PORT", HostPort::parse,
            Default.byRoot(new HostPort("0.0.0.0", 22), new HostPort("127.0.0.1", 2222)),
            "SSH address once enabled; port 0 picks one");
    public static final Flag<Path> STATE_DIR = Flag.value("--state-dir", "DIR", Path::of,
            new Default<>(code(ROOT_STATE_DIR.toString()) + " as root, else " + code("$XDG_STATE_HOME/" + STATE_DIR_NAME)
                    + " or " + code("~/.local/state/" + STATE_DIR_NAME), Flags::defaultStateDir),
            "host key, API token, saved enable state (mode 0700)");
    public static final Flag<Path> API_TOKEN_FILE = Flag.value("--api-token-file", "FILE", Path::of,
            new Default<>(code("<state-dir>/" + TOKEN_FILE_NAME), given -> given.get(STATE_DIR).resolve(TOKEN_FILE_NAME)),
            "bearer token; created with 256 random bits (mode 0600) when missing");
    public static final Flag<String> HOSTNAME = Flag.value("--hostname", "NAME", Flags::validHostname,
            Default.of("tl-sbx"), "the name `--set-hostname` sets");
    public static final Flag<Boolean> SET_HOSTNAME = Flag.toggle("--set-hostname", "off",
            "set the kernel hostname at start (needs privilege in its UTS namespace) and map it in `/etc/hosts`"
                    + " (one line of its own, `127.0.1.1`); never done without it");
    public static final Flag<Path> ENABLE_KEY = Flag.value("--enable-key", "FILE", Path::of, Default.none(""),
            "enable at start with this public key, exactly as the API call would");
    public static final Flag<String> BACKEND_USER = Flag.value("--backend-user", "USER", name -> name,
            Default.of(EnableRequest.DEFAULT_BACKEND_USER), "the user `--enable-key` logs in as");
    public static final Flag<Boolean> NO_FORWARDING = Flag.toggle("--no-forwarding", "forwarding on",
            "refuse all forwarding: ports, UNIX sockets and the agent");
    public static final Flag<Boolean> NO_AGENT_FORWARDING = Flag.toggle("--no-agent-forwarding",
            "agent forwarding on", "refuse agent forwarding (`ssh -A`)");
    public static final Flag<Boolean> GATEWAY_PORTS = Flag.toggle("--gateway-ports", "loopback only",
            "bind `ssh -R` listeners on the address the client names");
    public static final Flag<Boolean> STREAM_LOCAL_BIND_UNLINK = Flag.toggle("--stream-local-bind-unlink", "off",
            "replace an existing file at an `ssh -R` socket path (else refused)");
    public static final Flag<String> PTY_USER = Flag.value("--pty-user", "USER", name -> name,
            new Default<>(code(EnableRequest.DEFAULT_BACKEND_USER) + " as root, else the daemon's own user",
                    given -> given.machine().root() ? EnableRequest.DEFAULT_BACKEND_USER : given.machine().user().get()),
            "the user PTY API sessions run as");
    /** The PTY API spec's 300 s with no client attached. */
    public static final Flag<Long> PTY_IDLE_TIMEOUT = Flag.value("--pty-idle-timeout", "SECONDS", Flags::seconds,
            Default.of(300L), "kill a PTY session no client has been attached to for this long");
    public static final Flag<SessionEnvironment.Mode> SESSION_ENV = Flag.value("--session-env", "image|clean",
            Flags::sessionEnv, Default.of(SessionEnvironment.Mode.IMAGE, Flags::modeName),
            "what sessions start with (see \"SSH behaviour\"): the image's environment, or sshd's");
    /** sshd's defaults (MaxStartups, MaxAuthTries, MaxSessions); the other limits are ours, see {@link SshLimits}. */
    public static final Flag<SshLimits.Startups> MAX_STARTUPS = Flag.value("--max-startups", "START:RATE:FULL",
            SshLimits.Startups::parse, Default.of(new SshLimits.Startups(10, 30, 100)),
            "unauthenticated connections (see \"Limits\")");
    public static final Flag<Integer> MAX_AUTH_TRIES = Flag.value("--max-auth-tries", "N", Flags::positive,
            Default.of(6), "failed keys per connection");
    public static final Flag<Integer> MAX_SESSIONS = Flag.value("--max-sessions", "N", Flags::positive,
            Default.of(10), "session channels per connection");
    public static final Flag<Integer> MAX_CHANNELS = Flag.value("--max-channels", "N", Flags::positive,
            Default.of(100), "channels of any kind per connection");
    public static final Flag<Integer> MAX_SFTP_HANDLES = Flag.value("--max-sftp-handles", "N", Flags::positive,
            Default.of(256), "open files and directories per SFTP session");
    /** 0: max(256, a tenth of RLIMIT_NOFILE), see {@link dev.sandboxsshd.sftp.DescriptorReserve}. */
    public static final Flag<Integer> SFTP_FD_RESERVE = Flag.value("--sftp-fd-reserve", "N", Flags::positive,
            new Default<>("max(256, 10% of RLIMIT_NOFILE)", given -> 0),
            "file descriptors SFTP and SCP leave free (see \"Limits\")");
    /** Tensorlake's own daemon answers 429 beyond 64 sessions. */
    public static final Flag<Integer> MAX_PTY_SESSIONS = Flag.value("--max-pty-sessions", "N", Flags::positive,
            Default.of(64), "PTY API sessions at once, exited ones still held included");
    public static final Flag<List<AddressRange>> PROXY_PROTOCOL_FROM = Flag.value("--proxy-protocol-from", "CIDR,…",
            AddressRange::parseList, new Default<>("none", given -> List.of()),
            "addresses (a proxy) whose connections must start with a PROXY protocol v1/v2 header naming the client; "
                    + "a header from any other address is refused (see \"Operating\")");
    public static final Flag<Boolean> NO_METRICS = Flag.toggle("--no-metrics", "served",
            "no `GET /metrics` (Prometheus text format on the API listener, bearer token needed; see \"Operating\")");
    public static final Flag<String> AUDIT_LOG = Flag.value("--audit-log", "FILE|-", Flags::auditTarget,
            Default.none("none"), "append the audit trail to FILE (created mode 0600), `-` for standard output: one "
                    + "JSON object per line (see \"Operating\")");
    public static final Flag<Boolean> HELP = Flag.toggle("--help", "",
            "all of this; a bad flag prints one line naming it and exits 2");

    /** In the order --help and README list them. */
    public static final List<Flag<?>> ALL = List.of(API_LISTEN, SSH_LISTEN, STATE_DIR, API_TOKEN_FILE, HOSTNAME,
            SET_HOSTNAME, ENABLE_KEY, BACKEND_USER, NO_FORWARDING, NO_AGENT_FORWARDING, GATEWAY_PORTS,
            STREAM_LOCAL_BIND_UNLINK, PTY_USER, PTY_IDLE_TIMEOUT, SESSION_ENV, MAX_STARTUPS, MAX_AUTH_TRIES, MAX_SESSIONS,
            MAX_CHANNELS, MAX_SFTP_HANDLES, SFTP_FD_RESERVE, MAX_PTY_SESSIONS, PROXY_PROTOCOL_FROM, NO_METRICS,
            AUDIT_LOG, HELP);

    private static final int HELP_COLUMN = 28;
    private static final int HELP_WIDTH = 116;

    private Flags() {
    }

    /**
     * What defaults depend on: whether the daemon runs as root, its own user (looked up only when a default needs
     * it: a uid without a passwd entry is fine as long as nothing does), its home and environment.
     */
    public record Machine(boolean root, Supplier<String> user, String home, Map<String, String> env) {
        public static Machine current(Map<String, String> env) {
            return new Machine(UserDatabase.runningAsRoot(), () -> UserDatabase.current().name(),
                    System.getProperty("user.home"), env);
        }
    }

    /** One command line's flags: those given, the rest from their defaults. */
    public static final class Values implements Flag.Given {
        private final Machine machine;
        private final Map<Flag<?>, Object> given = new HashMap<>();

        private Values(Machine machine) {
            this.machine = machine;
        }

        @Override
        public Machine machine() {
            return machine;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <U> U get(Flag<U> flag) {
            return given.containsKey(flag) ? (U) given.get(flag) : flag.byDefault().value().apply(this);
        }

        public boolean given(Flag<?> flag) {
            return given.containsKey(flag);
        }
    }

    /** Reads a command line; a later flag wins over an earlier one. {@code --help} and {@code -h} throw with no message. */
    public static Values read(String[] args, Machine machine) throws DaemonOptions.UsageException {
        Map<String, Flag<?>> byName = new LinkedHashMap<>();
        ALL.forEach(flag -> byName.put(flag.name(), flag));
        Values values = new Values(machine);
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            String value = null;
            int eq = name.indexOf('=');
            if (name.startsWith("--") && eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Flag<?> flag = name.equals("-h") ? HELP : byName.get(name);
            if (flag == null) {
                throw new DaemonOptions.UsageException("unknown flag '" + args[i] + "' (see --help)");
            }
            if (flag.isSwitch() && value != null) {
                // an on/off flag is on by being there: --no-forwarding=false would otherwise turn forwarding off
                String absent = flag.byDefault().text().replace("`", "");
                throw new DaemonOptions.UsageException(name + " takes no value, got '" + args[i] + "': give " + name
                        + " alone to turn it on, or leave it out" + (absent.isEmpty() ? "" : " (" + absent + ")"));
            }
            if (flag == HELP) {
                throw new DaemonOptions.UsageException(null);
            }
            if (!flag.isSwitch() && value == null) {
                if (i + 1 >= args.length) {
                    throw new DaemonOptions.UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            try {
                values.given.put(flag, flag.parser().parse(value));
            } catch (IllegalArgumentException e) {
                throw new DaemonOptions.UsageException(name + ": " + e.getMessage());
            }
        }
        return values;
    }

    /** What {@code --help} prints. */
    public static String help() {
        StringBuilder out = new StringBuilder("usage: java -jar sandbox-sshd.jar [flags]\n\n");
        for (Flag<?> flag : ALL) {
            String head = "  " + flag.usage();
            String byDefault = flag.byDefault().text();
            String text = flag.meaning() + (byDefault.isEmpty() ? "" : " (default: " + byDefault + ")");
            out.append(head);
            if (head.length() + 2 > HELP_COLUMN) {
                out.append('\n').append(" ".repeat(HELP_COLUMN));
            } else {
                out.append(" ".repeat(HELP_COLUMN - head.length()));
            }
            out.append(wrap(text.replace("`", ""))).append('\n');
        }
        return out.toString();
    }

    /** README's "Command line" table. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| flag | default | meaning |\n|---|---|---|\n");
        for (Flag<?> flag : ALL) {
            for (String cell : List.of(code(flag.usage()), flag.byDefault().text(), flag.meaning())) {
                out.append(cell.isEmpty() ? "| " : "| " + cell.replace("|", "\\|") + " ");
            }
            out.append("|\n");
        }
        return out.toString();
    }

    private static String wrap(String text) {
        StringBuilder out = new StringBuilder();
        int column = HELP_COLUMN;
        for (String word : text.split(" ")) {
            if (column > HELP_COLUMN && column + 1 + word.length() > HELP_WIDTH) {
                out.append('\n').append(" ".repeat(HELP_COLUMN));
                column = HELP_COLUMN;
            } else if (column > HELP_COLUMN) {
                out.append(' ');
                column++;
            }
            out.append(word);
            column += word.length();
        }
        return out.toString();
    }

    private static Path defaultStateDir(Flag.Given given) {
        Machine machine = given.machine();
        if (machine.root()) {
            return ROOT_STATE_DIR;
        }
        String xdg = machine.env().get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, STATE_DIR_NAME);
        }
        return Path.of(machine.home(), ".local", "state", STATE_DIR_NAME);
    }

    private static String auditTarget(String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("needs a file name or -");
        }
        return value;
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

    private static String modeName(SessionEnvironment.Mode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    private static SessionEnvironment.Mode sessionEnv(String value) {
        for (SessionEnvironment.Mode mode : SessionEnvironment.Mode.values()) {
            if (modeName(mode).equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not image or clean");
    }

    private static long seconds(String value) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a whole number of seconds");
        }
        if (n < 1) {
            throw new IllegalArgumentException("must be at least 1 second, got " + n);
        }
        return n;
    }

    private static String validHostname(String name) {
        if (!name.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
                || name.length() > 64) {
            throw new IllegalArgumentException("'" + name + "' is not a valid hostname");
        }
        return name;
    }
}
