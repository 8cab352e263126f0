package dev.sandboxsshd.shell;

import java.util.LinkedHashMap;
import java.util.Map;

/** The environment a login gets, as OpenSSH's sshd builds it on Debian. */
public final class LoginEnvironment {
    /** Debian's sshd default PATH for ordinary users and for root. */
    public static final String USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/games";
    public static final String ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private LoginEnvironment() {
    }

    /** HOME USER LOGNAME SHELL PATH MAIL; callers add TERM and the connection variables. */
    public static Map<String, String> of(PosixUser user) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", user.home().toString());
        env.put("USER", user.name());
        env.put("LOGNAME", user.name());
        env.put("SHELL", user.shell());
        env.put("PATH", user.uid() == 0 ? ROOT_PATH : USER_PATH);
        env.put("MAIL", "/var/mail/" + user.name());
        return env;
    }
}
