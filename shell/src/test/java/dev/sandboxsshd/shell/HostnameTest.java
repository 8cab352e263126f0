package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class HostnameTest {
    /** What {@link Hostname#set} compares with before it calls sethostname(2); read only, the name is not changed. */
    @Test
    void currentIsWhatHostnamePrints() throws Exception {
        Process p = new ProcessBuilder("hostname").start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, p.waitFor());
        assertEquals(printed, Hostname.current());
    }
}
