package dev.sandboxsshd.server.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) a trusted proxy sends before the
 * client's bytes. Pure: it reads the bytes that have arrived so far and says whether more are needed, where the
 * header ends and whom it names; it never resolves a name. A header is at most {@link #MAX_LENGTH} bytes.
 */
public final class ProxyHeader {
    /** v1's own limit (107 bytes with CRLF); for v2, room for the addresses and a few TLVs. */
    public static final int MAX_V1_LENGTH = 107;
    public static final int MAX_LENGTH = 16 + 512;
    static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V2_FIXED = 16;

    private ProxyHeader() {
    }

    /** What the bytes so far are. */
    public sealed interface Parse permits NeedMore, Refused, Header {
    }

    /** A prefix of a header: wait for more bytes. */
    public record NeedMore() implements Parse {
    }

    /** Not a header, or a malformed one; {@code reason} is for the log. */
    public record Refused(String reason) implements Parse {
    }

    /**
     * A whole header of {@code length} bytes. {@code source} is the client it names, or null when it names none
     * (v2 LOCAL, v1 UNKNOWN, a UNIX or unspecified family): then the connection's own peer is the client.
     */
    public record Header(int length, int version, InetSocketAddress source) implements Parse {
    }

    private static final NeedMore NEED_MORE = new NeedMore();

    /** Reads the {@code length} bytes at {@code offset}; never throws for any bytes. */
    public static Parse parse(byte[] bytes, int offset, int length) {
        int v1 = prefixMatch(bytes, offset, length, V1_PREFIX);
        if (v1 == V1_PREFIX.length) {
            return parseV1(bytes, offset, length);
        }
        int v2 = prefixMatch(bytes, offset, length, V2_SIGNATURE);
        if (v2 == V2_SIGNATURE.length) {
            return parseV2(bytes, offset, length);
        }
        if (v1 == length || v2 == length) {
            return NEED_MORE;
        }
        return new Refused("no PROXY protocol header");
    }

    /** Whether the bytes so far start like a header (at least 4 bytes of a signature, or all there are). */
    public static boolean looksLikeHeader(byte[] bytes, int offset, int length) {
        int v1 = prefixMatch(bytes, offset, length, V1_PREFIX);
        int v2 = prefixMatch(bytes, offset, length, V2_SIGNATURE);
        return (v1 >= 4 || (v1 == length && length > 0)) || (v2 >= 5 || (v2 == length && length >= 4));
    }

    /** How many leading bytes match {@code prefix} (stops at the first difference or the end of either). */
    private static int prefixMatch(byte[] bytes, int offset, int length, byte[] prefix) {
        int n = Math.min(length, prefix.length);
        for (int i = 0; i < n; i++) {
            if (bytes[offset + i] != prefix[i]) {
                return i;
            }
        }
        return n;
    }

    private static Parse parseV1(byte[] bytes, int offset, int length) {
        int end = -1;
        int limit = Math.min(length, MAX_V1_LENGTH);
        for (int i = V1_PREFIX.length; i < limit; i++) {
            byte b = bytes[offset + i];
            if (b == '\n') {
                if (bytes[offset + i - 1] != '\r') {
                    return new Refused("PROXY v1 line ends without CRLF");
                }
                end = i + 1;
                break;
            }
            if (b != '\r' && (b < 0x20 || b > 0x7e)) {
                return new Refused("PROXY v1 line has a byte that is no printable ASCII");
            }
        }
        if (end < 0) {
            return length >= MAX_V1_LENGTH ? new Refused("PROXY v1 line longer than " + MAX_V1_LENGTH + " bytes")
                    : NEED_MORE;
        }
        String line = new String(bytes, offset + V1_PREFIX.length, end - 2 - V1_PREFIX.length,
                StandardCharsets.US_ASCII);
        String[] words = line.split(" ", -1);
        if (words[0].equals("UNKNOWN")) {
            return new Header(end, 1, null);
        }
        boolean four = words[0].equals("TCP4");
        if (!four && !words[0].equals("TCP6")) {
            return new Refused("PROXY v1 protocol is neither TCP4, TCP6 nor UNKNOWN");
        }
        if (words.length != 5) {
            return new Refused("PROXY v1 line does not have 5 fields");
        }
        InetAddress source = four ? Literals.ipv4(words[1]) : Literals.ipv6(words[1]);
        InetAddress destination = four ? Literals.ipv4(words[2]) : Literals.ipv6(words[2]);
        int sourcePort = port(words[3]);
        int destinationPort = port(words[4]);
        if (source == null || destination == null) {
            return new Refused("PROXY v1 address is no " + (four ? "IPv4" : "IPv6") + " address");
        }
        if (sourcePort < 0 || destinationPort < 0) {
            return new Refused("PROXY v1 port is no number from 0 to 65535");
        }
        return new Header(end, 1, new InetSocketAddress(source, sourcePort));
    }

    private static Parse parseV2(byte[] bytes, int offset, int length) {
        if (length < V2_FIXED) {
            return NEED_MORE;
        }
        int versionCommand = bytes[offset + 12] & 0xff;
        int family = bytes[offset + 13] & 0xff;
        int addressLength = ((bytes[offset + 14] & 0xff) << 8) | (bytes[offset + 15] & 0xff);
        if (versionCommand >> 4 != 2) {
            return new Refused("PROXY v2 header of version " + (versionCommand >> 4));
        }
        int command = versionCommand & 0xf;
        if (command > 1) {
            return new Refused("PROXY v2 command " + command + " is neither LOCAL nor PROXY");
        }
        int total = V2_FIXED + addressLength;
        if (total > MAX_LENGTH) {
            return new Refused("PROXY v2 header longer than " + MAX_LENGTH + " bytes");
        }
        if (length < total) {
            return NEED_MORE;
        }
        if (command == 0) {
            return new Header(total, 2, null); // LOCAL: the proxy's own connection (a health check)
        }
        int addressFamily = family >> 4;
        int transport = family & 0xf;
        int at = offset + V2_FIXED;
        switch (addressFamily) {
            case 1, 2 -> {
                if (transport != 1) {
                    return new Refused("PROXY v2 transport " + transport + " is not STREAM");
                }
                int size = addressFamily == 1 ? 4 : 16;
                if (addressLength < 2 * size + 4) {
                    return new Refused("PROXY v2 address block of " + addressLength + " bytes is too short");
                }
                try {
                    InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(bytes, at, at + size));
                    int port = ((bytes[at + 2 * size] & 0xff) << 8) | (bytes[at + 2 * size + 1] & 0xff);
                    return new Header(total, 2, new InetSocketAddress(source, port));
                } catch (UnknownHostException e) {
                    return new Refused("PROXY v2 address: " + e.getMessage()); // not reached: the length is right
                }
            }
            case 0, 3 -> {
                return new Header(total, 2, null); // unspecified or UNIX: no address we could name
            }
            default -> {
                return new Refused("PROXY v2 address family " + addressFamily + " is unknown");
            }
        }
    }

    /** A decimal port 0..65535 without a sign or leading zeros, or -1. */
    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || (text.length() > 1 && text.charAt(0) == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 65535 ? value : -1;
    }
}
