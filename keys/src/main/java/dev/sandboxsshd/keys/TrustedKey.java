package dev.sandboxsshd.keys;

import java.security.PublicKey;
import java.util.Objects;

/** The one key the server trusts, and the one user name it may log in as. */
public record TrustedKey(String user, PublicKey key) {
    public TrustedKey {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(key, "key");
    }
}
