package dev.sandboxsshd.shell;

/**
 * How a process ended: its exit code, or the signal that killed it (which shells, and our {@code code()}, show as
 * 128+N). Kept apart because SSH reports the two differently ({@code exit-status} vs {@code exit-signal}).
 */
public record ExitStatus(int exitCode, int signal, boolean coreDumped) {

    static ExitStatus fromWaitStatus(int status) {
        int low = status & 0x7f;
        if (low == 0) {
            return new ExitStatus((status >> 8) & 0xff, 0, false);
        }
        return new ExitStatus(0, low, (status & 0x80) != 0);
    }

    public boolean killedBySignal() {
        return signal != 0;
    }

    /** The exit code a shell would show in {@code $?}. */
    public int code() {
        return killedBySignal() ? 128 + signal : exitCode;
    }
}
