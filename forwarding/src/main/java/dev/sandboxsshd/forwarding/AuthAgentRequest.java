package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.util.Optional;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.keys.SessionUser;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/**
 * {@code auth-agent-req@openssh.com} ({@code ssh -A}), a session-channel request: gives the channel the
 * connection's {@link AgentSocket}, whose path the channel's shell or command gets as {@code SSH_AUTH_SOCK}
 * ({@link #socketOf}). It comes before {@code shell} or {@code exec}, and the OpenSSH client wants no reply, so a
 * refusal shows as a session without {@code SSH_AUTH_SOCK}, and as one log line.
 */
public final class AuthAgentRequest implements RequestHandler<Channel> {
    public static final String REQUEST = "auth-agent-req@openssh.com";
    private static final Logger LOG = LoggerFactory.getLogger(AuthAgentRequest.class);
    private static final AttributeKey<String> SOCKET = new AttributeKey<>();

    private final ForwardingPolicy policy;

    public AuthAgentRequest(ForwardingPolicy policy) {
        this.policy = policy;
    }

    @Override
    public Result process(Channel channel, String request, boolean wantReply, Buffer buffer) {
        if (!REQUEST.equals(request)) {
            return Result.Unsupported;
        }
        Session session = channel.getSession();
        Optional<String> refusal = policy.refuseAgentForwarding();
        if (refusal.isEmpty()) {
            try {
                AgentSocket socket = AgentSocket.of(session.getService(ConnectionService.class));
                channel.setAttribute(SOCKET, socket.share(channel, SessionUser.of(session)));
            } catch (IOException e) {
                refusal = Optional.of(UserSocketFiles.describe(e));
            }
        }
        if (refusal.isPresent()) {
            LOG.warn("refused agent forwarding: originator {} user={} reason={}", Addresses.of(session.getRemoteAddress()),
                    LogText.escape(session.getUsername()), refusal.get());
            return Result.ReplyFailure;
        }
        return Result.ReplySuccess;
    }

    /** The agent socket for the processes of this session channel, if it asked for one and got it. */
    public static Optional<String> socketOf(Channel channel) {
        return Optional.ofNullable(channel.getAttribute(SOCKET));
    }
}
