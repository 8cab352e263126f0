package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment a login starts with, before its connection's own variables. In a container the environment that
 * matters is the one the image declares ({@code ENV PATH=…}, {@code LANG}, {@code JAVA_HOME}…), and it reaches the
 * daemon's own; so by default ({@link Mode#IMAGE}) a session gets the daemon's inherited environment less what is the
 * daemon's own ({@link #isDaemonsOwn}), then pam_env's files, then the login variables. {@link Mode#CLEAN} is
 * OpenSSH's sshd on Debian: pam_env's files and the login variables only.
 */
public final class SessionEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(SessionEnvironment.class);
    /** What Debian's PAM stack for sshd reads with pam_env, in its order. */
    public static final List<Path> PAM_ENV_FILES = List.of(Path.of("/etc/environment"), Path.of("/etc/default/locale"));
    /** The daemon's, not the image's: its own launch (systemd, sudo, a terminal, a shell) and the JVM's settings. */
    private static final Set<String> DAEMONS_OWN = Set.of("HOME", "USER", "LOGNAME", "SHELL", "MAIL", "PWD", "OLDPWD",
            "SHLVL", "_", "TERM", "HOSTNAME", "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
            "INVOCATION_ID", "JOURNAL_STREAM", "SYSTEMD_EXEC_PID", "MANAGERPID", "WATCHDOG_PID", "WATCHDOG_USEC",
            "CREDENTIALS_DIRECTORY", "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY", "LOGS_DIRECTORY",
            "CONFIGURATION_DIRECTORY", "XDG_RUNTIME_DIR", "XDG_SESSION_ID", "XDG_SESSION_TYPE", "XDG_SESSION_CLASS",
            "DBUS_SESSION_BUS_ADDRESS", "MOTD_SHOWN", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
            "JAVA_OPTS", "CLASSPATH", "GLIBC_TUNABLES");
    private static final List<String> DAEMONS_OWN_PREFIXES = List.of("SANDBOX_SSHD_", "LD_", "MALLOC_", "SSH_", "SUDO_");

    /** {@code --session-env}. */
    public enum Mode {
        IMAGE,
        CLEAN
    }

    private final Mode mode;
    private final Map<String, String> inherited;
    private final List<Path> files;

    public SessionEnvironment(Mode mode, Map<String, String> daemonEnvironment, List<Path> files) {
        this.mode = mode;
        Map<String, String> kept = new LinkedHashMap<>();
        daemonEnvironment.forEach((name, value) -> {
            if (!isDaemonsOwn(name)) {
                kept.put(name, value);
            }
        });
        this.inherited = Map.copyOf(kept);
        this.files = List.copyOf(files);
    }

    /** The daemon's own variables, never passed to a session. */
    public static boolean isDaemonsOwn(String name) {
        return DAEMONS_OWN.contains(name) || DAEMONS_OWN_PREFIXES.stream().anyMatch(name::startsWith);
    }

    /**
     * The image's variables (in image mode), pam_env's files (read now, as pam_env does at each login), then
     * HOME USER LOGNAME SHELL MAIL, and sshd's PATH where nothing named one.
     */
    public Map<String, String> forLogin(PosixUser user) {
        Map<String, String> env = new LinkedHashMap<>();
        if (mode == Mode.IMAGE) {
            env.putAll(inherited);
        }
        for (Path file : files) {
            env.putAll(read(file));
        }
        Map<String, String> login = LoginEnvironment.of(user);
        String defaultPath = login.remove("PATH");
        env.putAll(login);
        env.putIfAbsent("PATH", defaultPath);
        return env;
    }

    private static Map<String, String> read(Path file) {
        try {
            return EnvironmentFile.parse(Files.readString(file));
        } catch (NoSuchFileException missing) {
            return Map.of();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read environment file {}: {}", file, e.toString());
            return Map.of();
        }
    }
}
