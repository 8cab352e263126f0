package dev.sandboxsshd.shell;

import java.nio.file.Path;
import java.util.List;

/** A local account as the passwd and group databases describe it. */
public record PosixUser(String name, int uid, int gid, List<Integer> groups, Path home, String shell) {
    /** OpenSSH falls back to {@code /bin/sh} when the passwd entry names no shell. */
    public static final String DEFAULT_SHELL = "/bin/sh";

    public PosixUser {
        groups = List.copyOf(groups);
        if (shell == null || shell.isBlank()) {
            shell = DEFAULT_SHELL;
        }
    }
}
