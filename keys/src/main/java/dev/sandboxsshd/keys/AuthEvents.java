package dev.sandboxsshd.keys;

import org.apache.sshd.server.session.ServerSession;

/** What the metrics and the audit trail hear of authentication; called on the authenticating thread, must not block. */
public interface AuthEvents {
    AuthEvents NONE = new AuthEvents() {
    };

    /** The enabled key was accepted for {@code user} ({@code key}: its type and SHA256 fingerprint); may repeat. */
    default void accepted(ServerSession session, String user, String key) {
    }

    /** One refused key, as the refusal line logs it. */
    default void refused(ServerSession session, String user, String key, String reason) {
    }

    /** MaxAuthTries reached: the connection is being ended. */
    default void tooManyFailures(ServerSession session) {
    }
}
