package dev.sandboxsshd.shell;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The terminal modes an SSH client sent with its {@code pty-req} (RFC 4254 §8): each opcode's uint32 value (as a
 * Java int), for the launcher to set on the terminal before the process starts. What is not here keeps the kernel's
 * default, as with sshd. Kept in opcode order, the order OpenSSH's client sends them in, since CS7 and CS8 overlap.
 */
public record TerminalModes(SortedMap<Integer, Integer> byOpcode) {
    /** No modes at all: the terminal keeps the kernel's defaults (the PTY API's terminals). */
    public static final TerminalModes NONE = of(Map.of());

    public TerminalModes {
        byOpcode = Collections.unmodifiableSortedMap(new TreeMap<>(byOpcode));
    }

    public static TerminalModes of(Map<Integer, Integer> byOpcode) {
        return new TerminalModes(new TreeMap<>(byOpcode));
    }

    public boolean isEmpty() {
        return byOpcode.isEmpty();
    }
}
