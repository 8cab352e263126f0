package dev.sandboxsshd.keys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The server's ed25519 host key: generated once, stored in OpenSSH format with mode 0600, reused across restarts
 * so the fingerprint the proxy pinned stays valid.
 */
public final class HostKeys {
    public static final String FILE_NAME = "ssh_host_ed25519_key";

    private HostKeys() {
    }

    public static KeyPair loadOrCreate(Path stateDir) throws IOException, GeneralSecurityException {
        Path file = stateDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            return load(file);
        }
        KeyPair generated = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        // Write to a private temporary file first: the key is never readable by others, and a crash
        // never leaves a half-written key behind.
        Path tmp = Files.createTempFile(stateDir, FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(generated, "sandbox-sshd host key", null, out);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        Files.writeString(stateDir.resolve(FILE_NAME + ".pub"), PublicKeyEntry.toString(generated.getPublic()) + "\n");
        return generated;
    }

    private static KeyPair load(Path file) throws IOException, GeneralSecurityException {
        PathResource resource = new PathResource(file);
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, resource, in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new IOException("host key file " + file + " holds no key");
            }
            return it.next();
        }
    }
}
