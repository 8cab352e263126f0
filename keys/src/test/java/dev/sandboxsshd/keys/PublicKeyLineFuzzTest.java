package dev.sandboxsshd.keys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@link PublicKeyLine#parse} reads whatever a client sends as {@code proxy_pubkey} (and {@code --enable-key}'s file):
 * it must give a usable key or an {@link InvalidPublicKeyException} naming the field, never another exception, and
 * never take long. Any other exception, a failed check or a timeout is a finding.
 * Replayed from {@code PublicKeyLineFuzzTestInputs/<method>/} in the unit phase; fuzzing: README "Fuzzing".
 */
class PublicKeyLineFuzzTest {
    /** Type words the blob target puts before the key data: the two accepted and two refused ones. */
    private static final String[] TYPES = {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ssh-dss"};

    /** The whole line, as UTF-8 text: its words, options, control characters, line breaks and base64. */
    @FuzzTest
    @Timeout(10)
    void line(byte[] input) {
        check(new String(input, UTF_8));
    }

    /**
     * The key data inside a well-formed line, where the fuzzer cannot reach through base64: the first byte picks the
     * type word ({@link #TYPES}), the rest is the decoded blob.
     */
    @FuzzTest
    @Timeout(10)
    void blob(byte[] input) {
        if (input.length == 0) {
            return;
        }
        String type = TYPES[Byte.toUnsignedInt(input[0]) % TYPES.length];
        String data = Base64.getEncoder().encodeToString(Arrays.copyOfRange(input, 1, input.length));
        check(type + " " + data + " fuzz@comment");
    }

    private static void check(String line) {
        PublicKeyLine parsed;
        try {
            parsed = PublicKeyLine.parse("proxy_pubkey", line);
        } catch (InvalidPublicKeyException e) {
            assertTrue(e.getMessage().startsWith("proxy_pubkey "), e.getMessage());
            return;
        }
        // accepted: exactly what the authenticator can use, and it reads back the same from its own line
        assertTrue(PublicKeyLine.ACCEPTED_TYPES.contains(parsed.type()), parsed.type());
        assertEquals(parsed.type(), KeyUtils.getKeyType(parsed.key()));
        if (parsed.key() instanceof RSAPublicKey rsa) {
            assertTrue(rsa.getModulus().bitLength() >= PublicKeyLine.MIN_RSA_BITS);
        }
        PublicKeyLine again;
        try {
            again = PublicKeyLine.parse("again", parsed.toOpenSshLine());
        } catch (InvalidPublicKeyException e) {
            throw new AssertionError("an accepted key's own line is refused: " + e.getMessage(), e);
        }
        assertTrue(KeyUtils.compareKeys(parsed.key(), again.key()));
        assertEquals(parsed.fingerprint(), again.fingerprint());
    }
}
