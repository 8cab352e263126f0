package dev.sandboxsshd.forwarding;

import java.nio.channels.SocketChannel;

import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code forwarded-streamlocal@openssh.com}: a connection accepted on a {@code streamlocal-forward@openssh.com}
 * socket, naming the socket path as the client asked for it (the OpenSSH client matches it against its forwards).
 */
final class ForwardedStreamLocalChannel extends BridgedClientChannel {
    static final String TYPE = "forwarded-streamlocal@openssh.com";
    private final String socketPath;

    ForwardedStreamLocalChannel(String socketPath, SocketChannel accepted) {
        super(TYPE, accepted);
        this.socketPath = socketPath;
    }

    @Override
    protected void putOpenFields(Buffer buffer) {
        buffer.putString(socketPath);
        buffer.putString(""); // reserved
    }
}
