package dev.sandboxsshd.keys;

import java.security.PublicKey;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.signature.SignatureFactoriesManager;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;

import dev.sandboxsshd.shell.LogText;

/**
 * The {@code publickey} method: MINA's, except that a key MINA refuses before asking the authenticator (a type with
 * no signature algorithm here: ECDSA, certificates; a certificate it finds invalid; a bad signature) gets the same
 * one {@code refused publickey auth} line as any other refused key and counts toward MaxAuthTries, instead of
 * MINA's own warning with a stack trace.
 *
 * <p>Overrides {@link UserAuthPublicKey#doAuth}: a key whose algorithm is not among the session's signature
 * algorithms is refused here without calling MINA's; otherwise MINA's runs, and its exception or a refusal the
 * authenticator did not make becomes our refusal.
 */
public final class PublickeyUserAuth extends UserAuthPublicKey {
    private final TrustedKeyAuthenticator authenticator;

    private PublickeyUserAuth(TrustedKeyAuthenticator authenticator) {
        super(null); // the session's signature algorithms
        this.authenticator = authenticator;
    }

    /** The factory to install as the server's only user-auth method. */
    public static UserAuthFactory factory(TrustedKeyAuthenticator authenticator) {
        return new UserAuthPublicKeyFactory() {
            @Override
            public UserAuthPublicKey createUserAuth(ServerSession session) {
                return new PublickeyUserAuth(authenticator);
            }
        };
    }

    @Override
    public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
        if (!init) {
            return super.doAuth(buffer, init);
        }
        ServerSession session = getServerSession();
        int rpos = buffer.rpos();
        int wpos = buffer.wpos();
        buffer.getBoolean(); // has a signature
        String algorithm = buffer.getString();
        String key = describe(algorithm, buffer.getBytes());
        buffer.rpos(rpos);
        if (!NamedResource.getNameList(SignatureFactoriesManager.resolveSignatureFactories(this, session))
                .contains(algorithm)) {
            authenticator.refuse(session, getUsername(), key, "key type " + LogText.escape(algorithm) + " is not accepted");
            return Boolean.FALSE;
        }
        int failures = authenticator.failures(session);
        try {
            Boolean result = super.doAuth(buffer, init);
            if (Boolean.FALSE.equals(result) && authenticator.failures(session) == failures) {
                authenticator.refuse(session, getUsername(), key, "certificate is not valid");
            }
            return result;
        } catch (Exception e) {
            buffer.wpos(wpos);
            String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            authenticator.refuse(session, getUsername(), key, LogText.escape(reason));
            return Boolean.FALSE;
        }
    }

    /** Type and fingerprint as for any key; what the client called it when the key does not parse. */
    private static String describe(String algorithm, byte[] blob) {
        try {
            PublicKey key = new ByteArrayBuffer(blob).getRawPublicKey();
            return KeyUtils.getKeyType(key) + " " + Fingerprints.sha256(key);
        } catch (Exception | LinkageError e) {
            return LogText.escape(algorithm) + " (not a key: " + LogText.escape(String.valueOf(e.getMessage())) + ")";
        }
    }
}
