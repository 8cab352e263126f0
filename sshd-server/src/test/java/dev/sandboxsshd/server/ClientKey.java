package dev.sandboxsshd.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A client key pair made by the real ssh-keygen. */
record ClientKey(Path privateKey, String publicLine) {
    static ClientKey generate(Path dir, String name, String type, int bits) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path key = dir.resolve(name);
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", type, "-b", Integer.toString(bits), "-N", "",
                "-C", name + "@test", "-f", key.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ssh-keygen failed: " + out);
        }
        return new ClientKey(key, Files.readString(dir.resolve(name + ".pub")).strip());
    }

    static ClientKey ed25519(Path dir, String name) throws IOException, InterruptedException {
        return generate(dir, name, "ed25519", 256);
    }
}
