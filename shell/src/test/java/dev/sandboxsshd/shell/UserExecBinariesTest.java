package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed user-exec binaries are what {@code bin/build-user-exec} makes of the committed source. Where the
 * compilers it was built with (Debian 12's gcc 12.2.0, native and aarch64-linux-gnu) are missing, skipped.
 */
class UserExecBinariesTest {
    private static final String COMPILER = "12.2.0";

    @Test
    void theCommittedBinariesAreAFreshBuildOfTheSource(@TempDir Path out) throws Exception {
        for (String cc : new String[] {"gcc", "aarch64-linux-gnu-gcc"}) {
            assumeTrue(version(cc).contains(COMPILER), "needs " + cc + " " + COMPILER);
        }
        Process build = new ProcessBuilder("../bin/build-user-exec", out.toString()).inheritIO().start();
        assertEquals(true, build.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, build.exitValue());
        for (String arch : new String[] {"x86_64", "aarch64"}) {
            try (InputStream committed = UserExec.class.getResourceAsStream("user-exec." + arch)) {
                assertArrayEquals(committed.readAllBytes(), Files.readAllBytes(out.resolve("user-exec." + arch)),
                        "user-exec." + arch + " differs from a fresh build: run bin/build-user-exec and commit");
            }
        }
    }

    private static String version(String cc) {
        try {
            Process p = new ProcessBuilder(cc, "--version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("");
            p.waitFor(30, TimeUnit.SECONDS);
            return first;
        } catch (Exception missing) {
            return "";
        }
    }
}
