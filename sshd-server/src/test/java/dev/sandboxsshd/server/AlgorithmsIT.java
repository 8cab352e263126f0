package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the server offers: strict KEX, post-quantum hybrid KEX, and none of SHA-1, NIST curves, CBC, pre-auth zlib. */
class AlgorithmsIT {
    /**
     * A hybrid post-quantum KEX, whichever the client prefers among those the server offers: sntrup761x25519 (OpenSSH
     * 9.0's default, both names) or mlkem768x25519 (the default from OpenSSH 9.9).
     */
    static final Pattern HYBRID_KEX = Pattern.compile(
            "kex: algorithm: (sntrup761x25519-sha512(@openssh\\.com)?|mlkem768x25519-sha256)\\r?\\n");

    @TempDir
    static Path dir;
    static SshFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = SshFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void defaultClientGetsPostQuantumKexWithStrictOrdering() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-vvv"), null, "true");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("will use strict KEX ordering"), r.stderr());
        assertTrue(HYBRID_KEX.matcher(r.stderr()).find(), r.stderr());
        String log = r.stderr().replace("\r", "");
        int start = log.indexOf("peer server KEXINIT proposal");
        String serverProposal = log.substring(start, log.indexOf("first_kex_follows", start));
        assertTrue(serverProposal.contains("compression ctos: none,zlib@openssh.com\n"), serverProposal);
        assertFalse(serverProposal.contains("nistp"), serverProposal);
        assertFalse(serverProposal.contains("sha1"), serverProposal);
        assertFalse(serverProposal.contains("cbc"), serverProposal);
    }

    @ParameterizedTest
    @CsvSource({
            "KexAlgorithms=ecdh-sha2-nistp256, no matching key exchange method",
            "KexAlgorithms=diffie-hellman-group14-sha1, no matching key exchange method",
            "KexAlgorithms=diffie-hellman-group-exchange-sha1, no matching key exchange method",
            "Ciphers=aes128-cbc, no matching cipher",
            "Ciphers=3des-cbc, no matching cipher",
            "HostKeyAlgorithms=ecdsa-sha2-nistp256, no matching host key type",
            "HostKeyAlgorithms=ssh-rsa, no matching host key type",
    })
    void weakAlgorithmsAreNotOffered(String option, String error) throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-o", option, "-o", "LogLevel=INFO"), null, "true");
        assertEquals(255, r.exit());
        assertTrue(r.stderr().contains(error), r.stderr());
    }

    @Test
    void sha1MacsAreNotOffered() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-c", "aes128-ctr", "-o", "MACs=hmac-sha1,hmac-sha1-etm@openssh.com", "-o", "LogLevel=INFO"), null, "true");
        assertEquals(255, r.exit());
        assertTrue(r.stderr().contains("no matching MAC"), r.stderr());
    }

    /** MINA's chacha20-poly1305 is pure Java and 3x slower than AES here: client defaults must land on AES. */
    @Test
    void clientDefaultsNegotiateAesCtrWithEtmNotChacha() throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-v"), null, "true");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("cipher: aes128-ctr MAC: hmac-sha2-256-etm@openssh.com"), r.stderr());
        OpenSsh.Result chacha = fx.ssh.run(List.of("-c", "chacha20-poly1305@openssh.com", "-o", "LogLevel=INFO"), null, "true");
        assertEquals(255, chacha.exit());
        assertTrue(chacha.stderr().contains("no matching cipher"), chacha.stderr());
    }

    @ParameterizedTest
    @CsvSource({"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr"})
    void modernCiphersWork(String cipher) throws Exception {
        OpenSsh.Result r = fx.ssh.run(List.of("-c", cipher, "-o", "Compression=yes"), null, "echo ok");
        assertEquals("ok\n", r.out(), r.stderr());
    }
}
