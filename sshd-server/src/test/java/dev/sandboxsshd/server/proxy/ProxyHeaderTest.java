package dev.sandboxsshd.server.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyHeaderTest {
    private static ProxyHeader.Parse parse(byte[] bytes) {
        return ProxyHeader.parse(bytes, 0, bytes.length);
    }

    private static ProxyHeader.Parse parse(String text) {
        return parse(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void v1Tcp4NamesTheClientAndEndsAtCrlf() throws Exception {
        ProxyHeader.Header h = assertInstanceOf(ProxyHeader.Header.class,
                parse("PROXY TCP4 192.0.2.7 10.0.0.1 56324 22\r\nSSH-2.0-x\r\n"));
        assertEquals(40, h.length());
        assertEquals(1, h.version());
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 56324), h.source());
    }

    @Test
    void v1Tcp6AndUnknown() throws Exception {
        ProxyHeader.Header h = assertInstanceOf(ProxyHeader.Header.class,
                parse("PROXY TCP6 2001:db8::7 ::1 65535 22\r\n"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 65535), h.source());
        ProxyHeader.Header unknown = assertInstanceOf(ProxyHeader.Header.class, parse("PROXY UNKNOWN whatever\r\n"));
        assertNull(unknown.source());
        assertEquals(24, unknown.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "P", "PROXY", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r",
            "\r\n\r\n\u0000\r\nQUIT", "\r\n\r\n\u0000\r\nQUIT\n\u0021\u0011\u0000\u000c\u0001"})
    void aPrefixNeedsMore(String text) {
        assertInstanceOf(ProxyHeader.NeedMore.class, parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SSH-2.0-OpenSSH\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
            "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
            "PROXY TCP4 example.com 5.6.7.8 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
            "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\u0000\r\n",
            "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"})
    void malformedOrNoHeaderIsRefused(String text) {
        assertInstanceOf(ProxyHeader.Refused.class, parse(text));
    }

    @Test
    void aV1LineLongerThan107BytesIsRefusedWithoutItsEnd() {
        String line = "PROXY UNKNOWN " + "x".repeat(200);
        ProxyHeader.Refused r = assertInstanceOf(ProxyHeader.Refused.class, parse(line));
        assertTrue(r.reason().contains("107"), r.reason());
        assertInstanceOf(ProxyHeader.Header.class, parse("PROXY UNKNOWN " + "x".repeat(107 - 16) + "\r\n"));
        assertInstanceOf(ProxyHeader.Refused.class, parse("PROXY UNKNOWN " + "x".repeat(107 - 15) + "\r\n"));
    }

    @Test
    void v2Ipv4AndIpv6() throws Exception {
        byte[] four = v2(0x21, 0x11, new byte[] {(byte) 198, 51, 100, 9, 10, 0, 0, 1, (byte) 0xdb, (byte) 0xe2, 0, 22});
        ProxyHeader.Header h = assertInstanceOf(ProxyHeader.Header.class, parse(concat(four, "SSH-2.0-x\r\n")));
        assertEquals(28, h.length());
        assertEquals(2, h.version());
        assertEquals(new InetSocketAddress(InetAddress.getByName("198.51.100.9"), 56290), h.source());

        byte[] addresses = new byte[36];
        addresses[0] = 0x20;
        addresses[1] = 0x01;
        addresses[15] = 7;
        addresses[31] = 1;
        addresses[32] = 0x04;
        addresses[33] = 0x00;
        ProxyHeader.Header six = assertInstanceOf(ProxyHeader.Header.class, parse(v2(0x21, 0x21, addresses)));
        assertEquals(52, six.length());
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001::7"), 1024), six.source());
    }

    @Test
    void v2LocalAndUnixNameNoClient() {
        ProxyHeader.Header local = assertInstanceOf(ProxyHeader.Header.class, parse(v2(0x20, 0x00, new byte[0])));
        assertEquals(16, local.length());
        assertNull(local.source());
        // TLVs after the addresses are skipped with them
        byte[] withTlv = new byte[12 + 7];
        withTlv[12] = 0x04;
        ProxyHeader.Header tlv = assertInstanceOf(ProxyHeader.Header.class, parse(v2(0x21, 0x11, withTlv)));
        assertEquals(16 + 19, tlv.length());
        assertNull(assertInstanceOf(ProxyHeader.Header.class, parse(v2(0x21, 0x31, new byte[216]))).source());
    }

    @Test
    void v2BadVersionCommandFamilyLengthAreRefused() {
        assertInstanceOf(ProxyHeader.Refused.class, parse(v2(0x11, 0x11, new byte[12])));
        assertInstanceOf(ProxyHeader.Refused.class, parse(v2(0x22, 0x11, new byte[12])));
        assertInstanceOf(ProxyHeader.Refused.class, parse(v2(0x21, 0x12, new byte[12]))); // DGRAM
        assertInstanceOf(ProxyHeader.Refused.class, parse(v2(0x21, 0x41, new byte[12])));
        assertInstanceOf(ProxyHeader.Refused.class, parse(v2(0x21, 0x11, new byte[11])));
        assertInstanceOf(ProxyHeader.Refused.class, parse(v2(0x21, 0x21, new byte[35])));
        byte[] huge = v2(0x21, 0x11, new byte[0]);
        huge[14] = (byte) 0xff;
        huge[15] = (byte) 0xff;
        ProxyHeader.Refused r = assertInstanceOf(ProxyHeader.Refused.class, parse(huge));
        assertTrue(r.reason().contains("longer than"), r.reason());
    }

    @Test
    void looksLikeHeader() {
        assertTrue(ProxyHeader.looksLikeHeader("PROX".getBytes(StandardCharsets.US_ASCII), 0, 4));
        assertTrue(ProxyHeader.looksLikeHeader(ProxyHeader.V2_SIGNATURE, 0, 12));
        assertTrue(!ProxyHeader.looksLikeHeader("\r\n".getBytes(StandardCharsets.US_ASCII), 0, 2));
        assertTrue(!ProxyHeader.looksLikeHeader("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII), 0, 16));
    }

    static byte[] v2(int versionCommand, int family, byte[] addresses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ProxyHeader.V2_SIGNATURE);
        out.write(versionCommand);
        out.write(family);
        out.write(addresses.length >> 8);
        out.write(addresses.length & 0xff);
        out.writeBytes(addresses);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, String b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b.getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }
}
