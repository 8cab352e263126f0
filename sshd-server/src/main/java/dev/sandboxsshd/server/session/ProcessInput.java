package dev.sandboxsshd.server.session;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * Moves channel data to the process's stdin as it arrives. Data is handed to a writer thread and the window is
 * opened again only once the process has taken the bytes, so a process that stops reading stops the client
 * (flow control) and never blocks the I/O thread.
 */
final class ProcessInput implements ChannelDataReceiver {
    private static final byte[] EOF = new byte[0];
    private static final byte[] STOP = new byte[0];

    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final LocalWindow window;

    ProcessInput(LocalWindow window) {
        this.window = window;
    }

    @Override
    public int data(ChannelSession channel, byte[] buf, int start, int len) {
        queue.add(Arrays.copyOfRange(buf, start, start + len));
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
                byte[] chunk = queue.take();
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
                        stdin.write(chunk);
                        stdin.flush();
                    } catch (IOException e) {
                        // The process closed its stdin; later data is discarded, as sshd does.
                        broken = true;
                    }
                }
                window.release(chunk.length);
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
