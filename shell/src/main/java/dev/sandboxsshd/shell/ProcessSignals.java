package dev.sandboxsshd.shell;

/** Signals by number, to a process or to its whole process group. */
public final class ProcessSignals {
    public static final int SIGHUP = 1;

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
}
