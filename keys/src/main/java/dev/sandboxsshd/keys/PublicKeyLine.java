package dev.sandboxsshd.keys;

import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Set;

import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.buffer.BufferException;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * One OpenSSH public-key line, {@code <type> <base64 blob> [comment]}, parsed strictly: the line must be
 * exactly one key the server can verify signatures of, with nothing before it and nothing hidden in the blob.
 */
public record PublicKeyLine(String type, PublicKey key, String comment) {

    /** Key types the server accepts for user authentication; it offers no NIST-curve or SHA-1 algorithms. */
    public static final Set<String> ACCEPTED_TYPES = Set.of("ssh-ed25519", "ssh-rsa");
    public static final int MIN_RSA_BITS = 2048;

    private static final Set<String> KNOWN_OTHER_TYPES = Set.of(
            "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-dss",
            "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");

    public String fingerprint() {
        return Fingerprints.sha256(key);
    }

    /** The line as OpenSSH writes it, without the comment. */
    public String toOpenSshLine() {
        return PublicKeyEntry.toString(key);
    }

    /**
     * @param field the request field the line came from, used in every error message
     */
    public static PublicKeyLine parse(String field, String line) throws InvalidPublicKeyException {
        if (line == null || line.isBlank()) {
            throw new InvalidPublicKeyException(field + " is empty; expected an OpenSSH public key line such as 'ssh-ed25519 AAAA... comment'");
        }
        if (line.contains("PRIVATE KEY")) {
            throw new InvalidPublicKeyException(field + " is a private key; send the public key line (the .pub file) instead");
        }
        String trimmed = line.strip();
        if (trimmed.indexOf('\n') >= 0 || trimmed.indexOf('\r') >= 0) {
            throw new InvalidPublicKeyException(field + " must be a single public key line, found several lines");
        }
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new InvalidPublicKeyException(field + " contains a control character (" + String.format("0x%02x", (int) c)
                        + ") at position " + i + "; expected printable text");
            }
        }
        String[] parts = trimmed.split("[ \t]+", 3);
        String type = parts[0];
        if (!ACCEPTED_TYPES.contains(type)) {
            if (parts.length >= 2 && (ACCEPTED_TYPES.contains(parts[1]) || KNOWN_OTHER_TYPES.contains(parts[1]))) {
                throw new InvalidPublicKeyException(field + " starts with options ('" + abbreviate(type)
                        + "'); send the bare key line without authorized_keys options");
            }
            if (KNOWN_OTHER_TYPES.contains(type)) {
                throw new InvalidPublicKeyException(field + " has key type '" + type
                        + "', which this server does not accept; use ssh-ed25519 (or ssh-rsa of at least 2048 bits)");
            }
            throw new InvalidPublicKeyException(field + " has unknown key type '" + abbreviate(type)
                    + "'; expected ssh-ed25519 or ssh-rsa");
        }
        if (parts.length < 2) {
            throw new InvalidPublicKeyException(field + " has no key data after the type '" + type + "'");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new InvalidPublicKeyException(field + " key data is not valid base64: " + e.getMessage());
        }
        PublicKey key;
        String blobType;
        ByteArrayBuffer buffer = new ByteArrayBuffer(blob);
        try {
            int start = buffer.rpos();
            blobType = buffer.getString();
            buffer.rpos(start);
            key = buffer.getRawPublicKey();
        } catch (BufferException | IllegalArgumentException | IllegalStateException e) {
            throw new InvalidPublicKeyException(field + " key data is truncated or malformed: " + e.getMessage());
        } catch (SshException | RuntimeException e) {
            throw new InvalidPublicKeyException(field + " key data cannot be decoded: " + e.getMessage());
        }
        if (!type.equals(blobType)) {
            throw new InvalidPublicKeyException(field + " says '" + type + "' but its key data is of type '"
                    + abbreviate(blobType) + "'");
        }
        if (buffer.available() > 0) {
            throw new InvalidPublicKeyException(field + " key data has " + buffer.available()
                    + " trailing bytes after the key");
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            throw new InvalidPublicKeyException(field + " is an RSA key of " + rsa.getModulus().bitLength()
                    + " bits; at least " + MIN_RSA_BITS + " are required");
        }
        String comment = parts.length > 2 ? parts[2] : "";
        if (KeyUtils.getKeyType(key) == null) {
            throw new InvalidPublicKeyException(field + " key cannot be used");
        }
        return new PublicKeyLine(type, key, comment);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
