package dev.sandboxsshd.forwarding;

import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code cancel-streamlocal-forward@openssh.com}: stops a socket forward of this session and removes its socket
 * file; connections already made through it go on.
 */
public final class CancelStreamLocalForwardRequest extends GlobalRequest {
    public CancelStreamLocalForwardRequest() {
        super("cancel-streamlocal-forward@openssh.com");
    }

    @Override
    Result handle(ConnectionService service, boolean wantReply, Buffer buffer) {
        return cancel(service, StreamLocalForwardRequest.key(buffer.getString()));
    }
}
