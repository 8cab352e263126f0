package dev.sandboxsshd.shell;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Bytes on their way from a client to a process's stdin or a socket, handed over without blocking the caller and
 * written by one thread. Each chunk says how it is released once the target took it: that release is where the
 * sender is given more room (an SSH window opened again, the next WebSocket frame read), so the queue never holds
 * more than the sender was allowed, and a target that stops reading stops the sender (flow control). A target that
 * fails takes nothing more: later data is discarded, and still released, as sshd does.
 */
public final class InputQueue {
    /** Where the bytes go; called on the writer thread only. */
    public interface Target {
        void write(byte[] bytes, int off, int len) throws IOException;

        /** The client sent EOF: pass it on (close a pipe, shut down a socket's output) or ignore it (a terminal). */
        void endOfInput();

        /** The queue is done: give back what the target holds. */
        void close();
    }

    /** Gives the sender room again for a chunk the target took; an IOException means the sender is gone. */
    @FunctionalInterface
    public interface Release {
        void release() throws IOException;
    }

    private record Chunk(byte[] bytes, int length, Release release) {
    }

    private static final Chunk EOF = new Chunk(new byte[0], 0, () -> { });
    private static final Chunk STOP = new Chunk(new byte[0], 0, () -> { });

    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();

    /** Queues the first {@code length} bytes of {@code bytes}, which the caller no longer touches until released. */
    public void add(byte[] bytes, int length, Release release) {
        queue.add(new Chunk(bytes, length, release));
    }

    /** The client sent EOF: what is queued is written first. */
    public void eof() {
        queue.add(EOF);
    }

    /** The session is over: what is queued is written, then the writer ends without waiting for EOF. */
    public void stop() {
        queue.add(STOP);
    }

    /** Runs on the writer thread until {@link #stop()}, or until a release finds the sender gone; then closes the target. */
    public void writeTo(Target target) {
        boolean broken = false;
        try {
            while (true) {
                Chunk chunk = queue.take();
                if (chunk == STOP) {
                    break;
                }
                if (chunk == EOF) {
                    target.endOfInput();
                    continue;
                }
                if (!broken) {
                    try {
                        target.write(chunk.bytes(), 0, chunk.length());
                    } catch (IOException e) {
                        broken = true;
                    }
                }
                chunk.release().release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the sender is gone (its channel is closing): nothing more will be released
        } finally {
            target.close();
        }
    }
}
