package dev.sandboxsshd.shell;

import java.nio.charset.StandardCharsets;

import com.sun.jna.Native;

/** Sets the kernel hostname of this UTS namespace. */
public final class Hostname {
    private Hostname() {
    }

    public static void set(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (LibC.INSTANCE.sethostname(bytes, bytes.length) != 0) {
            throw new IllegalStateException("sethostname(" + name + ") failed: errno " + Native.getLastError());
        }
    }
}
