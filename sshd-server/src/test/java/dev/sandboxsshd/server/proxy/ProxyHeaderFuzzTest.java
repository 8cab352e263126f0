package dev.sandboxsshd.server.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * What a trusted proxy's first bytes reach: the PROXY header parser. For any bytes it ends in need-more, a refusal
 * or a header no longer than the bytes and the bound, and the bytes arriving in pieces never change the answer.
 * Replayed from {@code ProxyHeaderFuzzTestInputs/<method>/} in the unit phase; fuzzing: README "Fuzzing".
 */
class ProxyHeaderFuzzTest {

    /** Any bytes, and every prefix of them (as they may arrive): the same answer once it is decided. */
    @FuzzTest
    @Timeout(10)
    void parse(byte[] input) {
        byte[] carrier = new byte[input.length + 2];
        System.arraycopy(input, 0, carrier, 1, input.length);
        ProxyHeader.Parse whole = ProxyHeader.parse(carrier, 1, input.length);
        if (whole instanceof ProxyHeader.Header h) {
            assertTrue(h.length() > 0 && h.length() <= input.length && h.length() <= ProxyHeader.MAX_LENGTH, h::toString);
            assertTrue(h.version() == 1 ? h.length() <= ProxyHeader.MAX_V1_LENGTH : h.length() >= 16, h::toString);
        }
        ProxyHeader.Parse decided = null;
        int last = Math.min(input.length, ProxyHeader.MAX_LENGTH + 1);
        for (int k = 0; k <= last; k++) {
            ProxyHeader.Parse part = ProxyHeader.parse(input, 0, k);
            if (decided != null) {
                if (decided instanceof ProxyHeader.Header) {
                    assertEquals(decided, part, "prefix " + k);
                } else {
                    assertInstanceOf(ProxyHeader.Refused.class, part, "prefix " + k);
                }
            } else if (!(part instanceof ProxyHeader.NeedMore)) {
                decided = part;
            }
        }
        if (decided instanceof ProxyHeader.Header) {
            assertEquals(decided, whole);
        } else if (decided != null) {
            assertInstanceOf(ProxyHeader.Refused.class, whole);
        } else {
            assertInstanceOf(ProxyHeader.NeedMore.class, whole);
        }
    }

    /** A header a proxy would send, built from the input, names exactly the client it was built from. */
    @FuzzTest
    @Timeout(10)
    void roundTrip(byte[] input) throws Exception {
        byte[] bytes = Arrays.copyOf(input, 40);
        boolean six = (bytes[0] & 1) == 1;
        boolean binary = (bytes[0] & 2) == 2;
        InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(bytes, 2, six ? 18 : 6));
        InetAddress target = InetAddress.getByAddress(Arrays.copyOfRange(bytes, 18, six ? 34 : 22));
        if (six != source.getAddress().length > 4) {
            return; // an IPv4-mapped IPv6 address: the JDK makes it IPv4
        }
        int port = ((bytes[34] & 0xff) << 8) | (bytes[35] & 0xff);
        byte[] header;
        if (binary) {
            byte[] addresses = new byte[(six ? 32 : 8) + 4];
            System.arraycopy(source.getAddress(), 0, addresses, 0, six ? 16 : 4);
            System.arraycopy(target.getAddress(), 0, addresses, six ? 16 : 4, six ? 16 : 4);
            addresses[addresses.length - 4] = (byte) (port >> 8);
            addresses[addresses.length - 3] = (byte) port;
            addresses[addresses.length - 1] = 22;
            header = ProxyHeaderTest.v2(0x21, six ? 0x21 : 0x11, addresses);
        } else {
            header = ("PROXY " + (six ? "TCP6 " : "TCP4 ") + source.getHostAddress() + " " + target.getHostAddress()
                    + " " + port + " 22\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        byte[] stream = Arrays.copyOf(header, header.length + 4);
        ProxyHeader.Header h = assertInstanceOf(ProxyHeader.Header.class, ProxyHeader.parse(stream, 0, stream.length));
        assertEquals(header.length, h.length());
        assertEquals(new InetSocketAddress(source, port), h.source());
    }
}
