package dev.sandboxsshd.server.session;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/** The {@code env} channel request: stores accepted names, fails the rest. One instance per channel. */
final class EnvRequest implements RequestHandler<Channel> {
    private static final Logger LOG = LoggerFactory.getLogger(EnvRequest.class);

    private final AtomicInteger accepted = new AtomicInteger();

    @Override
    public Result process(Channel channel, String request, boolean wantReply, Buffer buffer) {
        if (!"env".equals(request)) {
            return Result.Unsupported;
        }
        String name = buffer.getString();
        String value = buffer.getString();
        if (!AcceptedEnvironment.accepts(name) || name.indexOf('=') >= 0 || value.indexOf('\0') >= 0) {
            LOG.debug("ignored env request {} on {}", name, channel);
            return Result.ReplyFailure;
        }
        if (accepted.incrementAndGet() > AcceptedEnvironment.MAX_VARIABLES) {
            LOG.warn("refused env request: too many variables (max {}) remote={} name={}",
                    AcceptedEnvironment.MAX_VARIABLES, Addresses.of(channel.getSession().getRemoteAddress()), LogText.escape(name));
            return Result.ReplyFailure;
        }
        ((ChannelSession) channel).getEnvironment().set(name, value);
        return Result.ReplySuccess;
    }
}
