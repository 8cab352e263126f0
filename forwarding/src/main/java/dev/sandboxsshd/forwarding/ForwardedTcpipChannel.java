package dev.sandboxsshd.forwarding;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

import org.apache.sshd.common.util.buffer.Buffer;

import dev.sandboxsshd.shell.Addresses;

/**
 * {@code forwarded-tcpip}: a connection accepted on a {@code tcpip-forward} listener. It names the listen address
 * exactly as the client sent it ({@code ""} for {@code -R *:port}, {@code localhost} for {@code -R port}) and the
 * bound port, which is what the OpenSSH client matches against its forwards.
 */
final class ForwardedTcpipChannel extends BridgedClientChannel {
    static final String TYPE = "forwarded-tcpip";
    private final String requestedHost;
    private final int boundPort;
    private final InetSocketAddress originator;

    ForwardedTcpipChannel(String requestedHost, int boundPort, SocketChannel accepted, InetSocketAddress originator) {
        super(TYPE, accepted);
        this.requestedHost = requestedHost;
        this.boundPort = boundPort;
        this.originator = originator;
    }

    @Override
    protected void putOpenFields(Buffer buffer) {
        buffer.putString(requestedHost);
        buffer.putUInt(boundPort);
        buffer.putString(Addresses.ip(originator.getAddress()));
        buffer.putUInt(originator.getPort());
    }
}
