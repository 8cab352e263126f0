package dev.sandboxsshd.shell;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Addresses as OpenSSH writes them, the one formatter of the environment ({@code SSH_CONNECTION}, {@code SSH_CLIENT}),
 * the wire ({@code forwarded-tcpip}'s originator) and every log line: IPv4 dotted, IPv6 in RFC 5952's form
 * ({@code ::1}, {@code 2001:db8::1}; lower case, leading zeros dropped, the longest run of two or more zero groups,
 * the first of equals, as {@code ::}), where Java writes {@code 0:0:0:0:0:0:0:1}.
 */
public final class Addresses {
    private Addresses() {
    }

    /** The address alone, as sshd's {@code ssh_remote_ipaddr}; a scoped IPv6 address keeps its {@code %zone}. */
    public static String ip(InetAddress address) {
        if (!(address instanceof Inet6Address v6)) {
            return address.getHostAddress();
        }
        byte[] b = v6.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is never shortened (RFC 5952 4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        if (v6.getScopedInterface() != null) {
            out.append('%').append(v6.getScopedInterface().getName());
        } else if (v6.getScopeId() != 0) {
            out.append('%').append(v6.getScopeId());
        }
        return out.toString();
    }

    /**
     * {@code host:port} for log lines: {@code 127.0.0.1:22}, {@code [::1]:22} (brackets, as in URLs and our flags, so
     * the port stays apart); an unresolved address as its host name; anything else as Java writes it.
     */
    public static String of(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress() == null ? inet.getHostString() : ip(inet.getAddress());
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
