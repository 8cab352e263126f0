package dev.sandboxsshd.keys;

import java.security.PublicKey;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserDatabase;

/**
 * Accepts exactly one public key for exactly one user. The pair is swapped atomically, so a re-enable never
 * opens a window in which both or neither of the old and new keys work. The account is looked up here, once per
 * connection, and bound to the session ({@link SessionUser}); an account that no longer exists is refused here.
 */
public final class TrustedKeyAuthenticator implements PublickeyAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(TrustedKeyAuthenticator.class);

    private final AtomicReference<TrustedKey> trusted = new AtomicReference<>();

    public void trust(TrustedKey key) {
        trusted.set(key);
    }

    public void forget() {
        trusted.set(null);
    }

    public TrustedKey trusted() {
        return trusted.get();
    }

    @Override
    public boolean authenticate(String requested, PublicKey key, ServerSession session) {
        TrustedKey current = trusted.get();
        String username = withoutStyle(requested);
        String reason;
        if (current == null) {
            reason = "ssh is not enabled";
        } else if (!current.user().equals(username)) {
            reason = "user is not the backend user";
        } else if (!KeyUtils.compareKeys(current.key(), key)) {
            reason = "key is not the enabled key";
        } else {
            Optional<PosixUser> user = UserDatabase.byName(username);
            if (user.isPresent()) {
                SessionUser.bind(session, user.get());
                return true;
            }
            reason = "user no longer exists";
        }
        LOG.warn("refused publickey auth: remote={} user={} key={} {} reason={}",
                session.getClientAddress(), LogText.escape(requested), KeyUtils.getKeyType(key), Fingerprints.sha256(key),
                reason);
        return false;
    }

    /** sshd's {@code user:style} (a BSD auth style, meaningless here) names the user before the colon. */
    static String withoutStyle(String username) {
        int colon = username.indexOf(':');
        return colon < 0 ? username : username.substring(0, colon);
    }
}
