package dev.sandboxsshd.server;

import static dev.sandboxsshd.server.Flags.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.sandboxsshd.forwarding.ForwardingOptions;
import dev.sandboxsshd.shell.SessionEnvironment;

/**
 * The command line, parsed and with its defaults applied. The flags are a contract with tests and images; they and
 * their defaults are declared in {@link Flags}.
 */
public record DaemonOptions(HostPort apiListen, HostPort sshListen, Path stateDir, Path apiTokenFile, String hostname,
                            boolean setHostname, Path enableKey, String backendUser, ForwardingOptions forwarding,
                            String ptyUser, Duration ptyIdleTimeout, SessionEnvironment.Mode sessionEnv,
                            SshLimits limits, int maxPtySessions, MemoryLimits memory, ClientAlive clientAlive,
                            OperatingOptions operating) {

    /** Thrown for a bad command line; the message is the one line to print before exiting 2 (none: print help). */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    public static DaemonOptions parse(String[] args, Map<String, String> env) throws UsageException {
        return parse(args, Machine.current(env));
    }

    static DaemonOptions parse(String[] args, Machine machine) throws UsageException {
        Values flags = Flags.read(args, machine);
        if (flags.given(BACKEND_USER) && !flags.given(ENABLE_KEY)) {
            throw new UsageException(BACKEND_USER.name() + " is only meaningful with " + ENABLE_KEY.name());
        }
        SshLimits limits;
        try {
            limits = new SshLimits(flags.get(MAX_STARTUPS), flags.get(MAX_AUTH_TRIES), flags.get(MAX_SESSIONS),
                    flags.get(MAX_CHANNELS), flags.get(MAX_SFTP_HANDLES), flags.get(SFTP_FD_RESERVE));
        } catch (IllegalArgumentException e) {
            throw new UsageException(MAX_CHANNELS.name() + " must be at least " + MAX_SESSIONS.name());
        }
        boolean forwarding = !flags.get(NO_FORWARDING);
        return new DaemonOptions(flags.get(API_LISTEN), flags.get(SSH_LISTEN), flags.get(STATE_DIR),
                flags.get(API_TOKEN_FILE), flags.get(HOSTNAME), flags.get(SET_HOSTNAME), flags.get(ENABLE_KEY),
                flags.get(BACKEND_USER),
                new ForwardingOptions(forwarding, flags.get(GATEWAY_PORTS), flags.get(STREAM_LOCAL_BIND_UNLINK),
                        !flags.get(NO_AGENT_FORWARDING)),
                flags.get(PTY_USER), Duration.ofSeconds(flags.get(PTY_IDLE_TIMEOUT)), flags.get(SESSION_ENV), limits,
                flags.get(MAX_PTY_SESSIONS), new MemoryLimits(flags.get(MAX_QUEUED_OUTPUT) * 1024L * 1024,
                        flags.get(MAX_CHANNEL_OUTPUT) * 1024L, Duration.ofSeconds(flags.get(IDLE_GIVE_BACK))),
                new ClientAlive(Duration.ofSeconds(flags.get(CLIENT_ALIVE_INTERVAL)), flags.get(CLIENT_ALIVE_COUNT_MAX)),
                new OperatingOptions(flags.get(PROXY_PROTOCOL_FROM), !flags.get(NO_METRICS), flags.get(AUDIT_LOG)));
    }
}
