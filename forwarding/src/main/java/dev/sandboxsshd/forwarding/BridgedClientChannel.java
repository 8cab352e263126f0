package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import org.apache.sshd.client.channel.AbstractClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A channel the server opens towards the client for a connection accepted on a remote-forward listener, joined to
 * that connection by a {@link SocketBridge}. Subclasses, one per wire name, write what their open message carries.
 */
abstract class BridgedClientChannel extends AbstractClientChannel {
    private final SocketBridge bridge;

    BridgedClientChannel(String type, SocketChannel accepted) {
        super(type);
        this.bridge = new SocketBridge(this, accepted, type);
    }

    /** The type-specific fields of SSH_MSG_CHANNEL_OPEN, after the window and packet sizes. */
    protected abstract void putOpenFields(Buffer buffer);

    @Override
    public final synchronized OpenFuture open() throws IOException {
        if (isClosing()) {
            throw new SshException("Session has been closed");
        }
        openFuture = new DefaultOpenFuture(getChannelType(), futureLock);
        LocalWindow window = getLocalWindow();
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, 256);
        buffer.putString(getChannelType());
        buffer.putUInt(getChannelId());
        buffer.putUInt(window.getSize());
        buffer.putUInt(window.getPacketSize());
        putOpenFields(buffer);
        writePacket(buffer);
        return openFuture;
    }

    @Override
    protected final void doOpen() {
        bridge.start(this::sendEof);
    }

    /** The client refused the channel or the session ended first. */
    final void abandon() {
        bridge.abort();
    }

    @Override
    protected final void doWriteData(byte[] data, int off, long len) {
        bridge.data(data, off, len);
    }

    @Override
    protected final void doWriteExtendedData(byte[] data, int off, long len) {
        throw new UnsupportedOperationException(getChannelType() + " carries no extended data");
    }

    @Override
    public final void handleEof() throws IOException {
        super.handleEof();
        bridge.eof();
    }

    @Override
    protected final void preClose() {
        bridge.stop();
        super.preClose();
    }
}
