package dev.sandboxsshd.server.session;

import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;

import dev.sandboxsshd.shell.ArrayPool;
import dev.sandboxsshd.shell.InputQueue;

/**
 * Channel data for the process's stdin, queued as it arrives without blocking the I/O thread; the window is opened
 * again only once the process has taken the bytes, so a process that stops reading stops the client (flow control).
 */
final class ProcessInput implements ChannelDataReceiver {
    /** Data at least this long is copied into an array that is used again once the process has taken it. */
    private static final int REUSED_CHUNK = 4096;

    private final InputQueue queue = new InputQueue();
    private final LocalWindow window;
    /**
     * Arrays of the window's packet size the writer is done with: an upload through a pipe (rsync, tar) made a new
     * array per packet, 1 GB per GiB. At most 8 (256 KiB with OpenSSH's packets) kept per session.
     */
    private final ArrayPool chunks;

    ProcessInput(LocalWindow window) {
        this.window = window;
        this.chunks = new ArrayPool((int) Math.min(window.getPacketSize(), 1 << 20), 8);
    }

    InputQueue queue() {
        return queue;
    }

    @Override
    public int data(ChannelSession channel, byte[] buf, int start, int len) {
        byte[] array = len >= REUSED_CHUNK && len <= chunks.arraySize() ? chunks.take() : new byte[len];
        System.arraycopy(buf, start, array, 0, len);
        queue.add(array, len, () -> {
            chunks.give(array);
            window.release(len);
        });
        return 0;
    }

    /** The client sent EOF. */
    @Override
    public void close() {
        queue.eof();
    }
}
