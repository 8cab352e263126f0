package dev.sandboxsshd.shell;

/** Signals by number, to a process or to its whole process group. */
public final class ProcessSignals {
    public static final int SIGHUP = 1;
    public static final int SIGTERM = 15;

    private ProcessSignals() {
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
