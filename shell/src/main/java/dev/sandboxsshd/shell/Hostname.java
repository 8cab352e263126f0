package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.jna.Native;

/** Sets the kernel hostname of this UTS namespace. */
public final class Hostname {
    private Hostname() {
    }

    /**
     * Sets it unless it already is {@code name}: a container started with that host name ({@code docker run
     * --hostname tl-sbx}) needs no CAP_SYS_ADMIN, which sethostname(2) asks for even when nothing changes.
     */
    public static void set(String name) {
        if (name.equals(current())) {
            return;
        }
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (LibC.INSTANCE.sethostname(bytes, bytes.length) != 0) {
            throw new IllegalStateException("sethostname(" + name + ") failed: errno " + Native.getLastError());
        }
    }

    /** This UTS namespace's host name, or null where /proc cannot tell. */
    static String current() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
