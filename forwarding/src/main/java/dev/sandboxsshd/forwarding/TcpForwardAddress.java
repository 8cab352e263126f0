package dev.sandboxsshd.forwarding;

import java.util.Optional;

import org.apache.sshd.common.util.buffer.Buffer;

/**
 * What {@code tcpip-forward} and {@code cancel-tcpip-forward} name (RFC 4254 7.1): the address to bind, exactly as
 * the client sent it ({@code ""}, {@code localhost}, {@code *}, a name or a literal), and the port, 0 for one the
 * daemon picks. A cancel names the port the forward got.
 */
record TcpForwardAddress(String host, long port) {
    private static final long MAX_PORT = 65535;

    /** Reads the request's data; a short buffer throws MINA's BufferException, which fails the request. */
    static TcpForwardAddress read(Buffer buffer) {
        return new TcpForwardAddress(buffer.getString(), buffer.getUInt());
    }

    /** The wire's uint32 may name what no port is. */
    Optional<String> refusePort() {
        return port > MAX_PORT ? Optional.of("port out of range") : Optional.empty();
    }

    /** The forward as bound: the host as asked, the port it got. */
    TcpForwardAddress boundOn(int boundPort) {
        return new TcpForwardAddress(host, boundPort);
    }

    /**
     * The forward's key in {@link RemoteForwards}; a cancel naming a port out of range finds none, as no forward
     * has one.
     */
    String key() {
        return "tcp:" + host + ":" + port;
    }
}
