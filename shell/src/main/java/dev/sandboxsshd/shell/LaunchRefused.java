package dev.sandboxsshd.shell;

import java.io.IOException;

/**
 * The kernel refused the user something a launch needs: entering the working directory, or executing the
 * command. The reason is the kernel's own ({@code strerror} of the failed call, made as the user).
 */
public final class LaunchRefused extends IOException {
    /** Which part of the request the kernel refused. */
    public enum Part {
        WORKING_DIRECTORY,
        COMMAND
    }

    private final Part part;
    private final String subject;
    private final String reason;

    public LaunchRefused(Part part, String subject, String reason) {
        super(subject + ": " + reason);
        this.part = part;
        this.subject = subject;
        this.reason = reason;
    }

    public Part part() {
        return part;
    }

    /** The directory or command, as the request named it. */
    public String subject() {
        return subject;
    }

    /** The kernel's words, e.g. "Permission denied". */
    public String reason() {
        return reason;
    }
}
