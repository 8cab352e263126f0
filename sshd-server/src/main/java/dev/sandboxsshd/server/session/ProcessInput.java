package dev.sandboxsshd.server.session;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;

import dev.sandboxsshd.shell.ArrayPool;

/**
 * Moves channel data to the process's stdin as it arrives. Data is handed to a writer thread and the window is
 * opened again only once the process has taken the bytes, so a process that stops reading stops the client
 * (flow control) and never blocks the I/O thread.
 */
final class ProcessInput implements ChannelDataReceiver {
    /** Data at least this long is copied into an array that is used again once the process has taken it. */
    private static final int REUSED_CHUNK = 4096;
    private static final Chunk EOF = new Chunk(new byte[0], 0);
    private static final Chunk STOP = new Chunk(new byte[0], 0);

    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
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

    private record Chunk(byte[] array, int length) {
    }

    @Override
    public int data(ChannelSession channel, byte[] buf, int start, int len) {
        byte[] array = len >= REUSED_CHUNK && len <= chunks.arraySize() ? chunks.take() : new byte[len];
        System.arraycopy(buf, start, array, 0, len);
        queue.add(new Chunk(array, len));
        return 0;
    }

    /** The client sent EOF. */
    @Override
    public void close() {
        queue.add(EOF);
    }

    /** The session is over: the writer ends without waiting for EOF. */
    void stop() {
        queue.add(STOP);
    }

    /**
     * Runs on the writer thread until EOF or stop.
     *
     * @param closeOnEof pipes pass EOF on by closing stdin; a terminal has no EOF to pass (OpenSSH keeps it open)
     */
    void pump(OutputStream stdin, boolean closeOnEof) {
        boolean broken = false;
        try {
            while (true) {
                Chunk chunk = queue.take();
                if (chunk == STOP) {
                    break;
                }
                if (chunk == EOF) {
                    if (closeOnEof) {
                        closeQuietly(stdin);
                    }
                    continue;
                }
                if (!broken) {
                    try {
                        stdin.write(chunk.array(), 0, chunk.length());
                        stdin.flush();
                    } catch (IOException e) {
                        // The process closed its stdin; later data is discarded, as sshd does.
                        broken = true;
                    }
                }
                chunks.give(chunk.array());
                window.release(chunk.length());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // window release failed: the channel is closing
        } finally {
            closeQuietly(stdin);
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
