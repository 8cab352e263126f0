package dev.sandboxsshd.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** A large random file to move around, and a scratch directory in the backend user's home. */
final class TransferFixture {
    static final int SIZE = 256 * 1024 * 1024;

    private static Big shared;

    /** The large file and its SHA-256, made once per test JVM (every transfer test reads the same bytes). */
    record Big(Path file, String sha256) {
    }

    private TransferFixture() {
    }

    static synchronized Big big() throws Exception {
        if (shared == null) {
            Path dir = Files.createTempDirectory("transfer-fixture");
            Path file = randomFile(dir, "big.bin", SIZE);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            shared = new Big(file, sha256(file));
        }
        return shared;
    }

    static Path randomFile(Path dir, String name, int size) throws IOException {
        Path file = dir.resolve(name);
        Random random = new Random(size ^ name.hashCode());
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, Math.min(chunk.length, size - written));
            }
        }
        return file;
    }

    static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A fresh directory in the user's home, made by the user (so it is theirs), named for the test. */
    static String remoteScratch(OpenSsh ssh, String name) throws Exception {
        String path = "transfer-" + name + "-" + ProcessHandle.current().pid();
        OpenSsh.Result r = ssh.run("rm -rf " + path + " && mkdir " + path + " && cd " + path + " && pwd");
        if (r.exit() != 0) {
            throw new IllegalStateException(r.stderr());
        }
        return r.out().strip();
    }

    static String remoteSha256(OpenSsh ssh, String path) throws Exception {
        OpenSsh.Result r = ssh.run("sha256sum '" + path + "' | cut -d' ' -f1");
        return r.out().strip();
    }

    static String remoteOwner(OpenSsh ssh, String path) throws Exception {
        return ssh.run("stat -c '%U:%G' '" + path + "'").out().strip();
    }

    static void cleanup(OpenSsh ssh, String path) throws Exception {
        if (path != null) {
            ssh.run(List.of(), null, "rm -rf '" + path + "'");
        }
    }
}
