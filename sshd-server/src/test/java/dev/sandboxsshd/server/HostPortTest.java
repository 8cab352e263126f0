package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "127.0.0.1:22|127.0.0.1|22|127.0.0.1:22",
            "0.0.0.0:0|0.0.0.0|0|0.0.0.0:0",
            "localhost:65535|localhost|65535|localhost:65535",
            "[::1]:2222|::1|2222|[::1]:2222",
            "[::]:22|::|22|[::]:22",
    })
    void parses(String text, String host, int port, String shown) {
        HostPort parsed = HostPort.parse(text);
        assertEquals(new HostPort(host, port), parsed);
        assertEquals(shown, parsed.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "nohost|'nohost' is not HOST:PORT",
            ":22|':22' is not HOST:PORT",
            "host:|'host:' is not HOST:PORT",
            "host:ssh|'host:ssh' has no numeric port",
            "host:99999|port 99999 is out of range 0-65535",
            "host:-1|port -1 is out of range 0-65535",
            "[]:22|host is empty",
    })
    void refuses(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text)).getMessage());
    }

    @Test
    void formatsBoundAddresses() throws Exception {
        assertEquals("127.0.0.1:7422", HostPort.format(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 7422)));
        assertEquals("[::1]:22", HostPort.format(new InetSocketAddress(InetAddress.getByName("::1"), 22)));
        assertEquals("example.invalid:1", HostPort.format(InetSocketAddress.createUnresolved("example.invalid", 1)));
    }
}
