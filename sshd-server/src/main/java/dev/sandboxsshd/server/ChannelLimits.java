package dev.sandboxsshd.server;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.AbstractServerChannel;
import org.apache.sshd.server.channel.ChannelSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.server.ops.Refusals;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/**
 * sshd's MaxSessions (session channels per connection), its no-more-sessions, and a cap on all channels of a
 * connection, in front of every channel factory. A channel past a limit fails to open as sshd's does ("administratively prohibited: open
 * failed") and the connection goes on; MINA's own cap would throw, which ends the whole connection.
 */
final class ChannelLimits {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelLimits.class);

    private ChannelLimits() {
    }

    static List<ChannelFactory> apply(List<ChannelFactory> factories, SshLimits limits) {
        return factories.stream().map(f -> limited(f, limits)).toList();
    }

    private static ChannelFactory limited(ChannelFactory factory, SshLimits limits) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return factory.getName();
            }

            @Override
            public Channel createChannel(Session session) throws IOException {
                Optional<String> refusal = refusal(session, factory.getName(), limits);
                if (refusal.isPresent()) {
                    LOG.warn("refused channel: remote={} user={} type={} reason={}", Addresses.of(session.getRemoteAddress()),
                            LogText.escape(session.getUsername()), factory.getName(), refusal.get());
                    if (refusal.get().startsWith("channels per connection")) {
                        Refusals.limit(session, "max_channels");
                    } else if (refusal.get().contains("MaxSessions")) {
                        Refusals.limit(session, "max_sessions");
                    }
                    return new Refused(factory.getName());
                }
                return factory.createChannel(session);
            }
        };
    }

    private static Optional<String> refusal(Session session, String type, SshLimits limits) {
        AbstractConnectionService service = session.getService(AbstractConnectionService.class);
        if (service == null) {
            return Optional.empty();
        }
        Collection<Channel> open = service.getChannels();
        if (open.size() >= limits.maxChannels()) {
            return Optional.of("channels per connection at the limit (" + limits.maxChannels() + ")");
        }
        if (type.equals("session") && NoMoreSessionsRequest.requested(session)) {
            return Optional.of("the client sent no-more-sessions@openssh.com");
        }
        if (type.equals("session") && open.stream().filter(c -> c instanceof ChannelSession && c.isOpen()).count()
                >= limits.maxSessions()) {
            return Optional.of("sessions per connection at MaxSessions (" + limits.maxSessions() + ")");
        }
        return Optional.empty();
    }

    /** A channel that fails to open, as sshd's session_open failure does. */
    private static final class Refused extends AbstractServerChannel {
        Refused(String type) {
            super(type, List.of(), null);
        }

        @Override
        protected OpenFuture doInit(Buffer buffer) {
            OpenFuture failed = new DefaultOpenFuture(this, this);
            failed.setException(new SshChannelOpenException(getChannelId(),
                    SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed"));
            close(true);
            return failed;
        }

        @Override
        protected void doWriteData(byte[] data, int off, long len) {
            throw new UnsupportedOperationException("a refused channel carries no data");
        }

        @Override
        protected void doWriteExtendedData(byte[] data, int off, long len) {
            throw new UnsupportedOperationException("a refused channel carries no data");
        }
    }
}
