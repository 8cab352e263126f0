package dev.sandboxsshd.forwarding;

import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractConnectionServiceRequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code cancel-tcpip-forward}: closes a listener of this session named by the host the client asked for and the
 * port it got; connections already made through it go on.
 */
public final class CancelTcpipForwardRequest extends AbstractConnectionServiceRequestHandler {
    public static final String REQUEST = "cancel-tcpip-forward";

    @Override
    public Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) throws Exception {
        if (!REQUEST.equals(request)) {
            return super.process(service, request, wantReply, buffer);
        }
        String host = buffer.getString();
        long port = buffer.getUInt();
        boolean cancelled = port <= 65535 && RemoteForwards.of(service).cancel(TcpipForwardRequest.key(host, (int) port));
        return cancelled ? Result.ReplySuccess : Result.ReplyFailure;
    }
}
