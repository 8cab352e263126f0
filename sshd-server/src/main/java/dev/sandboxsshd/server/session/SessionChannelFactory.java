package dev.sandboxsshd.server.session;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.channel.ChannelSession;

/** The {@code session} channel: MINA's, with our {@code env} policy in front of its own request handling. */
public final class SessionChannelFactory implements ChannelFactory {
    @Override
    public String getName() {
        return "session";
    }

    @Override
    public Channel createChannel(Session session) {
        ChannelSession channel = new UserChannelSession();
        channel.addRequestHandler(new EnvRequest());
        return channel;
    }
}
