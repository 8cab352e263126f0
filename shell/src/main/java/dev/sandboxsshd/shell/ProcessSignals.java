package dev.sandboxsshd.shell;

import java.util.Map;
import java.util.Optional;

/** Signals by number, to a process or to its whole process group, and their names. */
public final class ProcessSignals {
    public static final int SIGHUP = 1;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    /** Linux's numbers for the names RFC 4254 6.10 lists (its exit-signal names: no "SIG" prefix). */
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(SIGHUP, "HUP"), Map.entry(2, "INT"), Map.entry(3, "QUIT"), Map.entry(4, "ILL"),
            Map.entry(6, "ABRT"), Map.entry(8, "FPE"), Map.entry(SIGKILL, "KILL"), Map.entry(10, "USR1"),
            Map.entry(11, "SEGV"), Map.entry(12, "USR2"), Map.entry(13, "PIPE"), Map.entry(14, "ALRM"),
            Map.entry(SIGTERM, "TERM"));

    private ProcessSignals() {
    }

    /** The RFC 4254 name of a signal ({@code KILL}), or empty for one it does not name. */
    public static Optional<String> name(int signal) {
        return Optional.ofNullable(NAMES.get(signal));
    }

    /** @return true if the signal was delivered */
    public static boolean signal(long pid, int signal) {
        return pid > 0 && LibC.INSTANCE.kill((int) pid, signal) == 0;
    }

    /** Signals every process in the group led by {@code pgid}. */
    public static boolean signalGroup(long pgid, int signal) {
        return pgid > 1 && LibC.INSTANCE.kill((int) -pgid, signal) == 0;
    }

    /**
     * An init's {@code kill(-1, sig)}: every process of the daemon's pid namespace but itself. Only as PID 1, where
     * that namespace is the container's: anywhere else it would be every process root can signal on the machine.
     */
    public static void signalEveryProcess(int signal) {
        if (!ChildReaper.isPid1()) {
            throw new IllegalStateException("signalling every process is for PID 1 only");
        }
        LibC.INSTANCE.kill(-1, signal);
    }
}
