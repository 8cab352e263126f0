package dev.sandboxsshd.server.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRangeTest {
    @Test
    void blocksContainTheirAddressesOnly() throws Exception {
        AddressRange ten = AddressRange.parse("10.0.0.0/8");
        assertTrue(ten.contains(InetAddress.getByName("10.255.1.2")));
        assertFalse(ten.contains(InetAddress.getByName("11.0.0.0")));
        AddressRange odd = AddressRange.parse("192.168.4.0/22");
        assertTrue(odd.contains(InetAddress.getByName("192.168.7.255")));
        assertFalse(odd.contains(InetAddress.getByName("192.168.8.0")));
        AddressRange one = AddressRange.parse("127.0.0.1");
        assertEquals(32, one.prefix());
        assertFalse(one.contains(InetAddress.getByName("127.0.0.2")));
        AddressRange six = AddressRange.parse("fd00::/8");
        assertTrue(six.contains(InetAddress.getByName("fdab::1")));
        assertFalse(six.contains(InetAddress.getByName("10.0.0.1")));
        assertTrue(AddressRange.parse("0.0.0.0/0").contains(InetAddress.getByName("8.8.8.8")));
    }

    @Test
    void aListIsCommaSeparated() {
        assertEquals(List.of(AddressRange.parse("127.0.0.1"), AddressRange.parse("::1")),
                AddressRange.parseList("127.0.0.1, ::1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8,", "1.2.3",
            "fe80::1%lo"})
    void badEntriesAreRefusedByName(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AddressRange.parseList(text));
        assertFalse(e.getMessage().isEmpty());
    }
}
