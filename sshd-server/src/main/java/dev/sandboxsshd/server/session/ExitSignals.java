package dev.sandboxsshd.server.session;

import java.util.Map;

/** Signal names as {@code exit-signal} carries them (RFC 4254 6.10), and OpenSSH's name for the others. */
final class ExitSignals {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "HUP"), Map.entry(2, "INT"), Map.entry(3, "QUIT"), Map.entry(4, "ILL"), Map.entry(6, "ABRT"),
            Map.entry(8, "FPE"), Map.entry(9, "KILL"), Map.entry(10, "USR1"), Map.entry(11, "SEGV"),
            Map.entry(12, "USR2"), Map.entry(13, "PIPE"), Map.entry(14, "ALRM"), Map.entry(15, "TERM"));

    private ExitSignals() {
    }

    static String name(int signal) {
        return NAMES.getOrDefault(signal, "SIG@openssh.com");
    }
}
