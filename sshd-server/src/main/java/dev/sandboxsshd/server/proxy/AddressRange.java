package dev.sandboxsshd.server.proxy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** One CIDR block ({@code 10.0.0.0/8}, {@code fd00::/8}; a bare address is the block of that one address). */
public record AddressRange(InetAddress network, int prefix) {

    public AddressRange {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " is outside 0.." + bits);
        }
    }

    /** {@code ADDRESS[/PREFIX]}; IllegalArgumentException naming what is wrong. */
    public static AddressRange parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        InetAddress network = Literals.any(address);
        if (network == null) {
            throw new IllegalArgumentException("'" + text + "' is no IPv4 or IPv6 address (CIDR: 10.0.0.0/8, fd00::/8)");
        }
        int bits = network.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = text.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "' has no prefix length after the /");
            }
            prefix = Integer.parseInt(digits);
            if (prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': prefix /" + prefix + " is longer than " + bits + " bits");
            }
        }
        return new AddressRange(network, prefix);
    }

    /** A comma-separated list, as {@code --proxy-protocol-from} takes it. */
    public static List<AddressRange> parseList(String text) {
        List<AddressRange> ranges = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("an empty entry in '" + text + "'");
            }
            ranges.add(parse(part.strip()));
        }
        return List.copyOf(ranges);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != n[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (n[full] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
