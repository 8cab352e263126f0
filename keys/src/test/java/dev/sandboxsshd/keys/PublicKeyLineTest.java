package dev.sandboxsshd.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Base64;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublicKeyLineTest {
    private static final String ED25519 = ed25519Line();

    private static String ed25519Line() {
        try {
            return PublicKeyEntry.toString(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void parsesKeyWithAndWithoutComment() throws Exception {
        PublicKeyLine plain = PublicKeyLine.parse("proxy_pubkey", ED25519);
        PublicKeyLine commented = PublicKeyLine.parse("proxy_pubkey", "  " + ED25519 + " proxy@platform with spaces\n");
        assertEquals("ssh-ed25519", plain.type());
        assertEquals("proxy@platform with spaces", commented.comment());
        assertTrue(KeyUtils.compareKeys(plain.key(), commented.key()));
        assertEquals(ED25519, plain.toOpenSshLine());
    }

    @Test
    void fingerprintIsUnpaddedSha256() throws Exception {
        String fp = PublicKeyLine.parse("k", ED25519).fingerprint();
        assertTrue(fp.matches("SHA256:[A-Za-z0-9+/]{43}"), fp);
    }

    @Test
    void refusalsNameTheFieldAndTheProblem() {
        String blob = ED25519.split(" ")[1];
        byte[] raw = Base64.getDecoder().decode(blob);
        String extended = Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(raw, raw.length + 1));
        assertRefused(null, "key_field is empty");
        assertRefused("   ", "key_field is empty");
        assertRefused("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "is a private key");
        assertRefused("from=\"10.0.0.1\" " + ED25519, "starts with options");
        assertRefused("ssh-dsa " + blob, "unknown key type 'ssh-dsa'");
        assertRefused("ssh-dss " + blob, "does not accept");
        assertRefused("ssh-ed25519 " + blob + "!", "not valid base64");
        assertRefused("ssh-ed25519 " + extended, "1 trailing bytes");
        assertRefused("ssh-rsa " + blob, "says 'ssh-rsa' but its key data is of type 'ssh-ed25519'");
        assertRefused(ED25519 + "\n" + ED25519, "single public key line");
        assertRefused("ssh-ed25519", "no key data");
        assertRefused(ED25519 + " comment\0", "control character (0x00) at position");
        assertRefused(ED25519 + " \u001b[2Jcomment", "control character (0x1b)");
        byte[] notOnCurve = raw.clone();
        java.util.Arrays.fill(notOnCurve, raw.length - 32, raw.length, (byte) 0xff);
        assertRefused("ssh-ed25519 " + Base64.getEncoder().encodeToString(notOnCurve), "cannot be decoded");
    }

    /** Public halves made once with ssh-keygen -t rsa -b 1024 / -b 2048 (generating RSA here took 0.5-3 s a run). */
    private static final String RSA_1024 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDSf/EkHkrWjDOy+5L2i20+2cCi4Dj9S/1k7mK8tuhce0eBRfrTCHcxQW8QN6oqmn7dqzuCNYpOYZQMQR5qczsXdrP4MSnZsD+SvKZAN5yWr6xVB96HEyLxN3Z4xh4vwvBqCTRJ01bfsTeJWixKte+15rTBa4PFBOxGe+7KVjcvaQ==";
    private static final String RSA_2048 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC+oqgA6oM7CQGgspXu9+U3AMIw4mxHBsQHrZ0HTERYDKLfPyJza7GiEj/h5iy5kTd9Rqzdm4AwYfSAcN78xWnQ5br0n3HjnMH/yqErh/pF2dn9T5nZ5MWuStN9JVCnBEUop3S8/iwJa3/pD6h3mFf4LX6EeltNAPyUBuZMWQ/rLRV8gxApUDZuwnnaqYtTukXEUQ4irWQn2pxu29aFjeRWNwQJl62lXiE1M0m760dCRNuf4z7oQCM7ezxFQs/bO5G2ylmvBSs8dcLyz0Ocq1f580bxlB9NCIF1NgaVm/OGCWGujiBV7xL+o4eJRNeWY86BLPChuXeZLsYd+ikoFnG7";

    @Test
    void shortRsaIsRefusedLongRsaAccepted() throws Exception {
        assertRefused(RSA_1024, "RSA key of 1024 bits; at least 2048");
        assertEquals("ssh-rsa", PublicKeyLine.parse("k", RSA_2048).type());
    }

    @Test
    void hostKeyIsCreatedOnceWithMode0600(@TempDir Path dir) throws Exception {
        KeyPair first = HostKeys.loadOrCreate(dir);
        KeyPair again = HostKeys.loadOrCreate(dir);
        assertTrue(KeyUtils.compareKeys(first.getPublic(), again.getPublic()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(HostKeys.FILE_NAME))));
        assertEquals(KeyPairProvider.SSH_ED25519, KeyUtils.getKeyType(first));
    }

    private static void assertRefused(String line, String message) {
        InvalidPublicKeyException e = assertThrows(InvalidPublicKeyException.class, () -> PublicKeyLine.parse("key_field", line));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith("key_field"), e.getMessage());
    }
}
