package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.AbstractServerChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.keys.SessionUser;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserIdentity;

/**
 * {@code direct-streamlocal@openssh.com} ({@code ssh -L local:/remote.sock}): connects to a UNIX socket on a
 * thread holding the user's filesystem identity, so the kernel checks the user's rights on the socket and the
 * directories above it, exactly as for a connect from their shell.
 */
public final class DirectStreamLocalChannel extends AbstractServerChannel {
    public static final String TYPE = "direct-streamlocal@openssh.com";
    private static final Logger LOG = LoggerFactory.getLogger(DirectStreamLocalChannel.class);

    private final ForwardingPolicy policy;
    private volatile SocketBridge bridge;

    private DirectStreamLocalChannel(ForwardingPolicy policy) {
        super(TYPE, List.of(), null);
        this.policy = policy;
    }

    /** Registered with the server by wire name. */
    public static ChannelFactory factory(ForwardingPolicy policy) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return TYPE;
            }

            @Override
            public Channel createChannel(Session session) {
                return new DirectStreamLocalChannel(policy);
            }
        };
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        String path = buffer.getString();
        buffer.getString(); // reserved
        buffer.getUInt(); // reserved
        Session session = getSession();
        OpenFuture opened = new DefaultOpenFuture(this, this);
        PosixUser user = SessionUser.of(session);
        Optional<String> refusal = policy.refuseDirectStreamLocal(path);
        if (refusal.isPresent()) {
            refuse(opened, path, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, refusal.get());
            return opened;
        }
        UserIdentity.callAs(user, "streamlocal-connect", () -> connect(path))
                .whenComplete((socket, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                        refuse(opened, path, SshConstants.SSH_OPEN_CONNECT_FAILED, describe(cause));
                        return;
                    }
                    bridge = new SocketBridge(this, socket, "streamlocal-" + getChannelId());
                    if (!isOpen()) {
                        bridge.abort();
                        return;
                    }
                    // The connection service sends the open confirmation on this event, before any data.
                    signalChannelOpenSuccess();
                    opened.setOpened();
                    bridge.start(this::sendEof);
                });
        return opened;
    }

    private static SocketChannel connect(String path) throws IOException {
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.connect(UnixDomainSocketAddress.of(path));
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void refuse(OpenFuture opened, String path, int reasonCode, String reason) {
        Session session = getSession();
        LOG.warn("refused local stream forward: originator {} user={} target {} reason={}",
                Addresses.of(session.getRemoteAddress()), LogText.escape(session.getUsername()), LogText.escape(path), LogText.escape(reason));
        SshChannelOpenException failure = new SshChannelOpenException(getChannelId(), reasonCode, reason);
        signalChannelOpenFailure(failure);
        try {
            opened.setException(failure);
        } finally {
            close(true);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        bridge.data(data, off, len);
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        throw new UnsupportedOperationException(TYPE + " carries no extended data");
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        SocketBridge b = bridge;
        if (b != null) {
            b.eof();
        }
    }

    @Override
    protected void preClose() {
        SocketBridge b = bridge;
        if (b != null) {
            b.stop();
        }
        super.preClose();
    }
}
