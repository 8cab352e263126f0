package dev.sandboxsshd.forwarding;

import java.nio.channels.SocketChannel;

import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code auth-agent@openssh.com}: a connection accepted on a session's agent socket, carried to the client, which
 * joins it to its own agent. The open message has no fields of its own, and the agent protocol passes through as
 * bytes (so {@code session-bind@openssh.com} and whatever else the agent speaks is untouched).
 */
final class AuthAgentChannel extends BridgedClientChannel {
    static final String TYPE = "auth-agent@openssh.com";

    AuthAgentChannel(SocketChannel accepted) {
        super(TYPE, accepted);
    }

    @Override
    protected void putOpenFields(Buffer buffer) {
        // none
    }
}
