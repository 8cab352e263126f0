package dev.sandboxsshd.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;

import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferException;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.junit.jupiter.api.Test;

/** What tcpip-forward and cancel-tcpip-forward carry after their name and want-reply flag (RFC 4254 7.1). */
class TcpForwardAddressTest {
    private static Buffer request(String host, long port) {
        Buffer buffer = new ByteArrayBuffer();
        buffer.putString(host);
        buffer.putUInt(port);
        return buffer;
    }

    @Test
    void readsTheHostAsSentAndThePort() {
        assertEquals(new TcpForwardAddress("", 0), TcpForwardAddress.read(request("", 0)));
        assertEquals(new TcpForwardAddress("localhost", 8080), TcpForwardAddress.read(request("localhost", 8080)));
        assertEquals(new TcpForwardAddress("*", 65535), TcpForwardAddress.read(request("*", 65535)));
    }

    @Test
    void aPortIsRefusedOnlyPastTheLastOne() {
        assertEquals(Optional.empty(), TcpForwardAddress.read(request("", 65535)).refusePort());
        assertEquals(Optional.of("port out of range"), TcpForwardAddress.read(request("", 65536)).refusePort());
        TcpForwardAddress largest = TcpForwardAddress.read(request("", 0xffff_ffffL));
        assertEquals(0xffff_ffffL, largest.port(), "uint32, never negative");
        assertEquals(Optional.of("port out of range"), largest.refusePort());
    }

    @Test
    void aShortRequestFailsToRead() {
        Buffer noPort = new ByteArrayBuffer();
        noPort.putString("localhost");
        assertThrows(BufferException.class, () -> TcpForwardAddress.read(noPort));
        Buffer hostLongerThanTheData = new ByteArrayBuffer();
        hostLongerThanTheData.putUInt(100);
        hostLongerThanTheData.putRawBytes(new byte[] {'a', 'b'});
        assertThrows(BufferException.class, () -> TcpForwardAddress.read(hostLongerThanTheData));
    }

    @Test
    void aForwardIsKeyedByTheHostAsAskedAndThePortItGot() {
        TcpForwardAddress asked = new TcpForwardAddress("localhost", 0);
        TcpForwardAddress cancel = TcpForwardAddress.read(request("localhost", 40000));
        assertEquals(asked.boundOn(40000).key(), cancel.key());
        assertNotEquals(new TcpForwardAddress("", 40000).key(), cancel.key(), "-R *:port and -R port differ");
        assertNotEquals(new TcpForwardAddress("localhost", 40001).key(), cancel.key());
        assertNotEquals(StreamLocalForwardRequest.key("localhost:40000"), cancel.key(), "TCP and UNIX never meet");
    }
}
