package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** RFC 5952's text form, as OpenSSH writes addresses (its examples, section 4 and 5). */
class AddressesTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "::1|::1",
            "0:0:0:0:0:0:0:1|::1",
            "::|::",
            "127.0.0.1|127.0.0.1",
            "192.0.2.10|192.0.2.10",
            // 4.1 leading zeros dropped; 4.3 lower case
            "2001:0db8:0000:0000:0000:0000:0002:0001|2001:db8::2:1",
            "2001:DB8::AAAA:1|2001:db8::aaaa:1",
            // 4.2.1 the longest run; 4.2.2 never a single group; 4.2.3 the first of equal runs
            "2001:db8:0:0:1:0:0:1|2001:db8::1:0:0:1",
            "2001:db8:0:1:1:1:1:1|2001:db8:0:1:1:1:1:1",
            "2001:0:0:1:0:0:0:1|2001:0:0:1::1",
            "2001:db8:0:0:1:1:0:0|2001:db8::1:1:0:0",
            "fe80:0:0:0:0:0:0:0|fe80::",
            "0:0:0:0:0:0:0:a|::a",
            "1:0:0:0:0:0:0:0|1::",
            // an IPv4-mapped address is the IPv4 address (as sshd's ipv64_normalise_mapped)
            "::ffff:192.0.2.1|192.0.2.1",
    })
    void ipAsOpenSshWritesIt(String given, String written) throws Exception {
        assertEquals(written, Addresses.ip(InetAddress.getByName(given)));
    }

    @Test
    void aScopedAddressKeepsItsZone() throws Exception {
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        assertEquals("fe80::1%3", Addresses.ip(Inet6Address.getByAddress(null, linkLocal, 3)));
    }

    @Test
    void socketAddressesForLogLines() throws Exception {
        assertEquals("127.0.0.1:2222", Addresses.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 2222)));
        assertEquals("[::1]:56982", Addresses.of(new InetSocketAddress(InetAddress.getByName("::1"), 56982)));
        assertEquals("[2001:db8::1]:22",
                Addresses.of(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:1"), 22)));
        assertEquals("example.invalid:22", Addresses.of(InetSocketAddress.createUnresolved("example.invalid", 22)));
        assertEquals("/run/x.sock", Addresses.of(UnixDomainSocketAddress.of("/run/x.sock")));
        assertEquals("null", Addresses.of(null));
    }
}
