package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.AbstractChannel;
import org.apache.sshd.common.channel.RemoteWindow;
import org.apache.sshd.common.channel.throttle.ChannelStreamWriter;
import org.apache.sshd.common.session.helpers.PacketBuffer;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferUtils;
import org.apache.sshd.core.CoreModuleProperties;

import dev.sandboxsshd.shell.ArrayPool;
import dev.sandboxsshd.shell.InputQueue;

/**
 * Joins an SSH channel to a connected socket (TCP or UNIX) with OpenSSH's half-close semantics: EOF from the
 * socket becomes channel EOF and EOF from the client shuts down the socket's output, each direction going on until
 * it ends by itself; the channel is closed once both have. One thread per direction, blocking I/O: the channel
 * window is released only after the socket took the bytes, so a slow socket slows the client (flow control)
 * instead of filling memory or blocking MINA's I/O threads.
 */
final class SocketBridge {
    /** Room a channel-data packet needs besides its data: header, type, channel, length, padding, MAC. */
    private static final int PACKET_OVERHEAD = SshConstants.SSH_PACKET_HEADER_LEN + 1 + 2 * Integer.BYTES + 255 + 64;
    /** Reads are at most the client's packet size (OpenSSH: 32 KiB), and at most this, whatever the client names. */
    private static final int MAX_READ = 64 * 1024;

    private final AbstractChannel channel;
    private final SocketChannel socket;
    private final String name;
    private final InputQueue toSocket = new InputQueue();
    private boolean socketDone;
    private boolean clientDone;

    SocketBridge(AbstractChannel channel, SocketChannel socket, String name) {
        this.channel = channel;
        this.socket = socket;
        this.name = name;
    }

    /** Sends SSH_MSG_CHANNEL_EOF (MINA's {@code AbstractChannel.sendEof}, which channels do not expose). */
    @FunctionalInterface
    interface EofSender {
        void sendEof() throws IOException;
    }

    /** Starts both directions; {@code eof} is called once the socket has no more to send. */
    void start(EofSender eof) {
        Thread reader = new Thread(() -> socketToChannel(eof), name + "-in");
        Thread writer = new Thread(this::channelToSocket, name + "-out");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    /** Data from the client; the window is released once written to the socket. */
    void data(byte[] buf, int off, long len) {
        int length = (int) len;
        toSocket.add(Arrays.copyOfRange(buf, off, off + length), length, () -> channel.getLocalWindow().release(length));
    }

    /** The client sent EOF: bytes already queued are delivered, then the socket's output is shut down. */
    void eof() {
        toSocket.eof();
    }

    /** The channel is closing: queued bytes are delivered, then the socket is closed. */
    void stop() {
        toSocket.stop();
    }

    /** Closes the socket at once, for a bridge that never started. */
    void abort() {
        closeSocket();
    }

    /**
     * Reads the socket straight into channel-data packets, each read at most what the client's window and packet
     * size allow, and hands each packet to the session to encrypt and send. Packet arrays come back for reuse once
     * written (at most 16 kept). Not MINA's ChannelOutputStream: it copies each read into a new packet per flush,
     * one copy and one allocation more per packet.
     */
    private void socketToChannel(EofSender eof) {
        RemoteWindow window = channel.getRemoteWindow();
        ChannelStreamWriter writer = channel.resolveChannelStreamWriter(channel, SshConstants.SSH_MSG_CHANNEL_DATA);
        Duration maxWait = CoreModuleProperties.WAIT_FOR_SPACE_TIMEOUT.getRequired(channel);
        int maxRead = (int) Math.min(window.getPacketSize(), MAX_READ);
        ArrayPool packets = new ArrayPool(PACKET_OVERHEAD + maxRead, 16);
        try {
            while (true) {
                // this thread is the channel's only writer: the room found stays there until consumed
                int room = (int) Math.min(window.waitForSpace(maxWait), maxRead);
                byte[] array = packets.take();
                Buffer packet = channel.getSession().prepareBuffer(SshConstants.SSH_MSG_CHANNEL_DATA,
                        new PacketBuffer(array, false));
                packet.putUInt(channel.getRecipient());
                int lengthAt = packet.wpos();
                int dataAt = lengthAt + Integer.BYTES;
                int n = socket.read(ByteBuffer.wrap(array, dataAt, room));
                if (n < 0) {
                    break;
                }
                window.consume(n);
                BufferUtils.putUInt(n, array, lengthAt, Integer.BYTES);
                packet.wpos(dataAt + n);
                writer.writeData(packet).addListener(written -> {
                    // if the session had to grow the packet, it let go of this array; otherwise it is done with it
                    if (written.isWritten()) {
                        packets.give(array);
                    }
                });
            }
            eof.sendEof();
            finish(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close(false);
        } catch (IOException e) {
            // The socket failed or was closed under us, or the channel is gone: end the channel.
            channel.close(false);
        }
    }

    private void channelToSocket() {
        toSocket.writeTo(new InputQueue.Target() {
            @Override
            public void write(byte[] bytes, int off, int len) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(bytes, off, len);
                while (buffer.hasRemaining()) {
                    socket.write(buffer);
                }
            }

            @Override
            public void endOfInput() {
                shutdownOutput();
                finish(false);
            }

            @Override
            public void close() {
                closeSocket();
            }
        });
    }

    private void finish(boolean socketSide) {
        boolean both;
        synchronized (this) {
            if (socketSide) {
                socketDone = true;
            } else {
                clientDone = true;
            }
            both = socketDone && clientDone;
        }
        if (both) {
            channel.close(false);
        }
    }

    private void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // already closed
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
