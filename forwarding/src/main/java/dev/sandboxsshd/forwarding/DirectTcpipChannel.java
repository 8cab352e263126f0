package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.time.Duration;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.forward.ChannelToPortHandler;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.ThreadUtils;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.apache.sshd.server.forward.TcpipServerChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.keys.SessionUser;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.ArrayPool;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserIdentity;

/**
 * {@code direct-tcpip} ({@code ssh -L}, {@code -D}): MINA's channel, with two of its protected methods replaced.
 * <ul>
 * <li>{@code doInit} runs MINA's own on a thread that is the session's user ({@link UserIdentity}): MINA's connector
 * creates the outgoing socket there, so the kernel owns it to the user ({@code ss -e} shows their uid, egress rules by
 * {@code --uid-owner} apply), as with sshd's per-user process.</li>
 * <li>{@code createChannelToPortHandler}: MINA's copies each packet's data into a new array before the asynchronous
 * socket write; here the copies go into arrays reused once the socket took them, so a stream allocates no array
 * per packet for the collector to clear.</li>
 * </ul>
 */
public final class DirectTcpipChannel extends TcpipServerChannel {
    /** Reused arrays are of our packet size (MINA refuses longer data), and at most this. */
    private static final int MAX_POOLED_COPY = 64 * 1024;
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(DirectTcpipChannel.class);

    private DirectTcpipChannel(CloseableExecutorService executor) {
        super(TcpForwardingFilter.Type.Direct, executor);
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        PosixUser user = SessionUser.of(getSession());
        try {
            return UserIdentity.runAs(user, "direct-tcpip", SOCKET_TIMEOUT, () -> super.doInit(buffer));
        } catch (IOException e) {
            LOG.warn("refused local port forward: originator {} user={} reason=cannot act as the user: {}",
                    Addresses.of(getSession().getRemoteAddress()), user.name(), e.getMessage());
            OpenFuture failed = new DefaultOpenFuture(this, this);
            failed.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_CONNECT_FAILED, e.getMessage()));
            close(true);
            return failed;
        }
    }

    @Override
    protected ChannelToPortHandler createChannelToPortHandler(IoSession port) {
        return new PooledPortWriter(port, this);
    }

    /** MINA's forwarding filter still decides which of these channels may open (PolicyForwardingFilter). */
    public static ChannelFactory factory() {
        return new Factory();
    }

    private static final class Factory extends TcpipFactory {
        Factory() {
            super(TcpForwardingFilter.Type.Direct);
        }

        @Override
        public Channel createChannel(Session session) {
            return new DirectTcpipChannel(ThreadUtils.noClose(getExecutorService()));
        }
    }

    private static final class PooledPortWriter extends ChannelToPortHandler {
        /** Usually one array in use: a write to a loopback socket completes before the next packet arrives. */
        private final ArrayPool copies;

        PooledPortWriter(IoSession port, Channel channel) {
            super(port, channel);
            copies = new ArrayPool((int) Math.min(channel.getLocalWindow().getPacketSize(), MAX_POOLED_COPY), 4);
        }

        @Override
        public void sendToPort(byte cmd, byte[] data, int off, long len) throws IOException {
            int length = (int) len; // at most our packet size: MINA refused longer data
            byte[] copy = length <= copies.arraySize() ? copies.take() : new byte[length];
            System.arraycopy(data, off, copy, 0, length);
            sendToPort(new ByteArrayBuffer(copy, 0, length)).addListener(written -> {
                if (written.isWritten()) {
                    handleWriteDataSuccess(cmd, copy, 0, length); // releases the window
                } else {
                    handleWriteDataFailure(cmd, copy, 0, length, written.getException());
                }
                copies.give(copy); // the socket is done with it either way
            });
        }
    }
}
