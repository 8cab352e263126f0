package dev.sandboxsshd.forwarding;

import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractConnectionServiceRequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code cancel-streamlocal-forward@openssh.com}: stops a socket forward of this session and removes its socket
 * file; connections already made through it go on.
 */
public final class CancelStreamLocalForwardRequest extends AbstractConnectionServiceRequestHandler {
    public static final String REQUEST = "cancel-streamlocal-forward@openssh.com";

    @Override
    public Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) throws Exception {
        if (!REQUEST.equals(request)) {
            return super.process(service, request, wantReply, buffer);
        }
        String path = buffer.getString();
        return RemoteForwards.of(service).cancel(StreamLocalForwardRequest.key(path)) ? Result.ReplySuccess : Result.ReplyFailure;
    }
}
