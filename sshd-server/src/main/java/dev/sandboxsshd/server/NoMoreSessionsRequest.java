package dev.sandboxsshd.server;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.AbstractConnectionServiceRequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code no-more-sessions@openssh.com}, as sshd: later {@code session} channels on the connection are refused
 * ({@link ChannelLimits}), forwards go on. MINA's own handler refused every later channel, forwards included, so
 * {@code ssh -N -L} would have lost its forwards.
 */
final class NoMoreSessionsRequest extends AbstractConnectionServiceRequestHandler {
    static final String REQUEST = "no-more-sessions@openssh.com";
    private static final AttributeKey<Boolean> REQUESTED = new AttributeKey<>();

    static boolean requested(Session session) {
        return Boolean.TRUE.equals(session.getAttribute(REQUESTED));
    }

    @Override
    public Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) throws Exception {
        if (!REQUEST.equals(request)) {
            return super.process(service, request, wantReply, buffer);
        }
        service.getSession().setAttribute(REQUESTED, Boolean.TRUE);
        return Result.ReplySuccess;
    }
}
