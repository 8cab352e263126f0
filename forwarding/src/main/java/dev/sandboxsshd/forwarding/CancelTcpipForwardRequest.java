package dev.sandboxsshd.forwarding;

import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code cancel-tcpip-forward}: closes a listener of this session named by the host the client asked for and the
 * port it got; connections already made through it go on.
 */
public final class CancelTcpipForwardRequest extends GlobalRequest {
    public CancelTcpipForwardRequest() {
        super("cancel-tcpip-forward");
    }

    @Override
    Result handle(ConnectionService service, boolean wantReply, Buffer buffer) {
        return cancel(service, TcpForwardAddress.read(buffer).key());
    }
}
