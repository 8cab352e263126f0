package dev.sandboxsshd.keys;

import java.io.IOException;
import java.security.PublicKey;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Addresses;
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

    private static final AttributeKey<AtomicInteger> FAILURES = new AttributeKey<>();

    private final AtomicReference<TrustedKey> trusted = new AtomicReference<>();
    private final int maxAuthTries;
    private final AuthEvents events;

    /** @param maxAuthTries sshd's MaxAuthTries: the failure that reaches it ends the connection */
    public TrustedKeyAuthenticator(int maxAuthTries) {
        this(maxAuthTries, AuthEvents.NONE);
    }

    public TrustedKeyAuthenticator(int maxAuthTries, AuthEvents events) {
        this.maxAuthTries = maxAuthTries;
        this.events = events;
    }

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
                events.accepted(session, username, KeyUtils.getKeyType(key) + " " + Fingerprints.sha256(key));
                return true;
            }
            reason = "user no longer exists";
        }
        refuse(session, requested, KeyUtils.getKeyType(key) + " " + Fingerprints.sha256(key), reason);
        return false;
    }

    /**
     * Logs the one refusal line and counts the failure toward MaxAuthTries; the failure that reaches it ends the
     * connection. Also for keys refused before this authenticator is asked ({@link PublickeyUserAuth}).
     *
     * @param key the key's type and fingerprint, or what the client named it when it does not parse
     */
    void refuse(ServerSession session, String requested, String key, String reason) {
        LOG.warn("refused publickey auth: remote={} user={} key={} reason={}",
                Addresses.of(session.getClientAddress()), LogText.escape(requested), key, reason);
        events.refused(session, requested, key, reason);
        int failures = session.computeAttributeIfAbsent(FAILURES, k -> new AtomicInteger()).incrementAndGet();
        if (failures >= maxAuthTries) {
            events.tooManyFailures(session);
            LOG.warn("refused authentication: remote={} user={} reason=too many authentication failures ({})",
                    Addresses.of(session.getClientAddress()), LogText.escape(requested), failures);
            try {
                // sshd's words; its code (2, protocol error) would make MINA send a generic text instead
                session.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                        "Too many authentication failures");
            } catch (IOException e) {
                session.close(true);
            }
        }
    }

    /** The refusals counted on this connection so far. */
    int failures(ServerSession session) {
        AtomicInteger failures = session.getAttribute(FAILURES);
        return failures == null ? 0 : failures.get();
    }

    /** sshd's {@code user:style} (a BSD auth style, meaningless here) names the user before the colon. */
    static String withoutStyle(String username) {
        int colon = username.indexOf(':');
        return colon < 0 ? username : username.substring(0, colon);
    }
}
