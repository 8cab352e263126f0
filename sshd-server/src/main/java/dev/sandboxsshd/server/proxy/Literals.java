package dev.sandboxsshd.server.proxy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Numeric address literals, read without ever asking a resolver. */
final class Literals {
    private Literals() {
    }

    /** Dotted-quad IPv4 ({@code 192.0.2.1}: four decimals 0..255, no leading zeros), or null. */
    static InetAddress ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                return null;
            }
            int value = 0;
            for (int j = 0; j < part.length(); j++) {
                char c = part.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255) {
                return null;
            }
            address[i] = (byte) value;
        }
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            return null; // not reached: four bytes
        }
    }

    /**
     * An IPv6 literal ({@code 2001:db8::1}, {@code ::ffff:192.0.2.1}; no brackets, no zone), or null. Only hex
     * digits, colons and dots get to the JDK, which reads a string with a colon as a literal and never resolves it.
     */
    static InetAddress ipv6(String text) {
        if (text.indexOf(':') < 0 || text.length() > 45) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex && c != ':' && c != '.') {
                return null;
            }
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Either form. */
    static InetAddress any(String text) {
        return text.indexOf(':') >= 0 ? ipv6(text) : ipv4(text);
    }

    static boolean isIpv4(InetAddress address) {
        return address instanceof Inet4Address;
    }
}
