package dev.sandboxsshd.keys;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;

import dev.sandboxsshd.shell.PosixUser;

/**
 * The account a connection acts for, resolved once when it authenticates (as sshd's getpwnam at login) and read by
 * every feature from the session: a user deleted or changed later does not change what an open connection is.
 */
public final class SessionUser {
    private static final AttributeKey<PosixUser> KEY = new AttributeKey<>();

    private SessionUser() {
    }

    static void bind(Session session, PosixUser user) {
        session.setAttribute(KEY, user);
    }

    /** The user the connection authenticated as; only authenticated sessions open channels or send requests. */
    public static PosixUser of(Session session) {
        PosixUser user = session.getAttribute(KEY);
        if (user == null) {
            throw new IllegalStateException("no user bound to session " + session + ": not authenticated");
        }
        return user;
    }
}
