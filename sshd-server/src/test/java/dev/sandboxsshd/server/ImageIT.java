package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * {@code image/test-image.sh}: the image's root filesystem built without a Docker engine (debootstrap, cached in
 * {@code target/image-cache/}), the bundled runtime installed and trained as {@code image/Dockerfile} does, the daemon
 * as PID 1 in its own namespaces, driven with the real clients. It passes when the script says {@code N passed, 0
 * failed}, the zombie check included (the daemon reaps as PID 1). Root only; {@code -Dimage.test.skip=true} skips it.
 */
class ImageIT {
    @Test
    void imageTestPasses() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT + " (the image test chroots, and mounts in namespaces of its own)");
        assumeFalse(Boolean.getBoolean("image.test.skip"), "-Dimage.test.skip=true");
        Path repo = Path.of("").toAbsolutePath().getParent();
        Path script = repo.resolve("image/test-image.sh");
        assertTrue(Files.isRegularFile(script), script + " missing");
        Path log = repo.resolve("target/image-test.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Process process = builder.start();
        if (!process.waitFor(20, TimeUnit.MINUTES)) {
            process.destroy(); // SIGTERM: the script's trap ends what it started and unmounts
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            process.waitFor();
        }
        String out = Files.readString(log);
        System.out.print(out);
        List<String> lines = out.lines().toList();
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        assertTrue(last.matches("\\d+ passed, 0 failed"), "image/test-image.sh: " + last + "\n" + out);
        assertEquals(0, process.exitValue(), out);
    }
}
