package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import org.apache.sshd.client.channel.AbstractClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.ChannelOutputStream;
import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * {@code forwarded-streamlocal@openssh.com}: the server side opens it towards the client for each connection
 * accepted on a {@code streamlocal-forward@openssh.com} socket, naming the socket path as the client asked for it
 * (the OpenSSH client matches it against its forwards).
 */
final class ForwardedStreamLocalChannel extends AbstractClientChannel {
    static final String TYPE = "forwarded-streamlocal@openssh.com";

    private final String socketPath;
    private final SocketBridge bridge;

    ForwardedStreamLocalChannel(String socketPath, SocketChannel accepted) {
        super(TYPE);
        this.socketPath = socketPath;
        this.bridge = new SocketBridge(this, accepted, "forwarded-streamlocal");
    }

    @Override
    public synchronized OpenFuture open() throws IOException {
        if (isClosing()) {
            throw new SshException("Session has been closed");
        }
        openFuture = new DefaultOpenFuture(socketPath, futureLock);
        LocalWindow window = getLocalWindow();
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, TYPE.length() + socketPath.length() + 32);
        buffer.putString(TYPE);
        buffer.putUInt(getChannelId());
        buffer.putUInt(window.getSize());
        buffer.putUInt(window.getPacketSize());
        buffer.putString(socketPath);
        buffer.putString(""); // reserved
        writePacket(buffer);
        return openFuture;
    }

    @Override
    protected void doOpen() {
        bridge.start(new ChannelOutputStream(this, getRemoteWindow(), log, SshConstants.SSH_MSG_CHANNEL_DATA, true));
    }

    /** The client refused the channel or the session ended first. */
    void abandon() {
        bridge.abort();
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) {
        bridge.data(data, off, len);
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) {
        throw new UnsupportedOperationException(TYPE + " carries no extended data");
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        bridge.eof();
    }

    @Override
    protected void preClose() {
        bridge.stop();
        super.preClose();
    }
}
