package dev.sandboxsshd.pty;

import java.util.List;

/** What the metrics and the audit trail hear of PTY API sessions; called on the API's threads, must not block. */
public interface PtyEvents {
    PtyEvents NONE = new PtyEvents() {
    };

    default void ptyCreated(String sessionId, String user, List<String> argv, long pid) {
    }

    /** A WebSocket presented the session's token and is being attached. */
    default void ptyAttached(String sessionId) {
    }

    /** Killed by {@code DELETE} or for idleness ({@code reason}). */
    default void ptyKilled(String sessionId, String reason) {
    }

    /** A create refused at {@code --max-pty-sessions}. */
    default void ptyLimitReached() {
    }
}
