package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.sshd.common.channel.AbstractChannel;

/**
 * Joins an SSH channel to a connected socket (TCP or UNIX) with OpenSSH's half-close semantics: EOF from the
 * socket becomes channel EOF and EOF from the client shuts down the socket's output, each direction going on until
 * it ends by itself; the channel is closed once both have. One thread per direction, blocking I/O: the channel
 * window is released only after the socket took the bytes, so a slow socket slows the client (flow control)
 * instead of filling memory or blocking MINA's I/O threads.
 */
final class SocketBridge {
    private static final int READ_BUFFER = 64 * 1024;
    private static final byte[] EOF = new byte[0];
    private static final byte[] STOP = new byte[0];

    private final AbstractChannel channel;
    private final SocketChannel socket;
    private final String name;
    private final LinkedBlockingQueue<byte[]> toSocket = new LinkedBlockingQueue<>();
    private boolean socketDone;
    private boolean clientDone;

    SocketBridge(AbstractChannel channel, SocketChannel socket, String name) {
        this.channel = channel;
        this.socket = socket;
        this.name = name;
    }

    /**
     * Starts both directions; {@code channelOut} writes channel data, waiting for the client's window, and sends
     * EOF when closed.
     */
    void start(OutputStream channelOut) {
        Thread reader = new Thread(() -> socketToChannel(channelOut), name + "-in");
        Thread writer = new Thread(this::channelToSocket, name + "-out");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    /** Data from the client; the window is released once written to the socket. */
    void data(byte[] buf, int off, long len) {
        toSocket.add(Arrays.copyOfRange(buf, off, off + (int) len));
    }

    /** The client sent EOF: bytes already queued are delivered, then the socket's output is shut down. */
    void eof() {
        toSocket.add(EOF);
    }

    /** The channel is closing: queued bytes are delivered, then the socket is closed. */
    void stop() {
        toSocket.add(STOP);
    }

    /** Closes the socket at once, for a bridge that never started. */
    void abort() {
        closeSocket();
    }

    private void socketToChannel(OutputStream channelOut) {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
        try {
            while (true) {
                buffer.clear();
                int n = socket.read(buffer);
                if (n < 0) {
                    break;
                }
                channelOut.write(buffer.array(), 0, n);
                channelOut.flush();
            }
            channelOut.close(); // sends EOF
            finish(true);
        } catch (IOException e) {
            // The socket failed or was closed under us, or the channel is gone: end the channel.
            channel.close(false);
        }
    }

    private void channelToSocket() {
        boolean broken = false;
        try {
            while (true) {
                byte[] chunk = toSocket.take();
                if (chunk == STOP) {
                    break;
                }
                if (chunk == EOF) {
                    shutdownOutput();
                    finish(false);
                    continue;
                }
                if (!broken) {
                    try {
                        ByteBuffer buffer = ByteBuffer.wrap(chunk);
                        while (buffer.hasRemaining()) {
                            socket.write(buffer);
                        }
                    } catch (IOException e) {
                        // The peer stopped reading; later data is discarded, as sshd does.
                        broken = true;
                    }
                }
                channel.getLocalWindow().release(chunk.length);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // window release failed: the channel is closing
        }
        closeSocket();
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
