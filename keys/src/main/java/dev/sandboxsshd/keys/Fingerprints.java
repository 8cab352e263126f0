package dev.sandboxsshd.keys;

import java.security.PublicKey;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.digest.BuiltinDigests;

/** Key fingerprints exactly as {@code ssh-keygen -l} prints them: {@code SHA256:} and unpadded base64. */
public final class Fingerprints {
    private Fingerprints() {
    }

    public static String sha256(PublicKey key) {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }
}
