package dev.sandboxsshd.server;

import java.util.ArrayList;
import java.util.List;

import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.OptionalFeature;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;

/**
 * What the server offers: no SHA-1, no NIST curves, no CBC, no chacha20 (see {@link #CIPHERS}), no pre-authentication compression; post-quantum hybrid
 * key exchange first when BouncyCastle provides it. Strict KEX (the Terrapin fix) is added by MINA itself.
 */
final class Algorithms {
    private static final List<BuiltinDHFactories> KEX = List.of(
            BuiltinDHFactories.mlkem768x25519,
            BuiltinDHFactories.sntrup761x25519_openssh,
            BuiltinDHFactories.sntrup761x25519,
            BuiltinDHFactories.curve25519,
            BuiltinDHFactories.curve25519_libssh,
            BuiltinDHFactories.curve448,
            BuiltinDHFactories.dhg16_512,
            BuiltinDHFactories.dhg18_512,
            BuiltinDHFactories.dhgex256,
            BuiltinDHFactories.dhg14_256);

    /**
     * No chacha20-poly1305: MINA's is pure Java (58-74 MB/s here), while AES-CTR with HMAC-SHA2-256-ETM and AES-GCM
     * run on the JVM's AES-NI/SHA-NI intrinsics (190-200 MB/s in the same scp run). The OpenSSH client's default
     * then picks aes128-ctr with hmac-sha2-256-etm; every client that has chacha also has AES-CTR.
     */
    private static final List<BuiltinCiphers> CIPHERS = List.of(
            BuiltinCiphers.aes128gcm,
            BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr,
            BuiltinCiphers.aes192ctr,
            BuiltinCiphers.aes256ctr);

    /** Encrypt-then-MAC first; the plain SHA-2 MACs stay for older libraries (GCM and ChaCha need none). */
    private static final List<BuiltinMacs> MACS = List.of(
            BuiltinMacs.hmacsha256etm,
            BuiltinMacs.hmacsha512etm,
            BuiltinMacs.hmacsha256,
            BuiltinMacs.hmacsha512);

    private static final List<BuiltinSignatures> SIGNATURES = List.of(
            BuiltinSignatures.ed25519,
            BuiltinSignatures.rsaSHA512,
            BuiltinSignatures.rsaSHA256);

    /** Compression only after authentication, as OpenSSH. */
    private static final List<BuiltinCompressions> COMPRESSION = List.of(
            BuiltinCompressions.none,
            BuiltinCompressions.delayedZlib);

    private Algorithms() {
    }

    static void apply(SshServer server) {
        server.setKeyExchangeFactories(NamedFactory.setUpTransformedFactories(true, KEX, ServerBuilder.DH2KEX));
        server.setCipherFactories(supported(CIPHERS).stream().map(AesCtrCipher::inPlaceOf).toList());
        server.setMacFactories(supported(MACS));
        server.setSignatureFactories(supported(SIGNATURES));
        server.setCompressionFactories(supported(COMPRESSION));
    }

    private static <T, F extends NamedFactory<T> & OptionalFeature> List<NamedFactory<T>> supported(List<F> wanted) {
        List<NamedFactory<T>> out = new ArrayList<>();
        for (F factory : wanted) {
            if (factory.isSupported()) {
                out.add(factory);
            }
        }
        return out;
    }
}
