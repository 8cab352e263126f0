package dev.sandboxsshd.shell;

import java.io.IOException;

/**
 * Starts every user-facing process (SSH shells and exec, rsync, PTY sessions) as the user the spec names.
 * Each process leads its own session, so signals and hang-ups reach the whole group.
 */
public interface UserLauncher {
    /** A process with separate stdin, stdout and stderr pipes and no controlling terminal. */
    UserProcess startPiped(LaunchSpec spec) throws IOException;

    /**
     * A process on a fresh pseudo-terminal of the given size and modes; stderr goes to the terminal.
     *
     * @param modes           the SSH client's terminal modes, set before the process starts
     *                        ({@link TerminalModes#NONE}: the kernel's defaults)
     * @param ttyNameVariable an environment variable to set to the terminal's device name ({@code SSH_TTY}), or null
     */
    UserProcess startPty(LaunchSpec spec, PtySize size, TerminalModes modes, String ttyNameVariable) throws IOException;
}
