package dev.sandboxsshd.pty;

/**
 * The last {@code capacity} bytes a PTY printed, addressed by absolute offset (bytes printed since the start), so
 * each client can be given exactly the bytes it has not had; the oldest are dropped first. It grows to its capacity
 * only as output arrives (most sessions print far less than 2 MiB, and sixty-four full rings would be the whole
 * heap). Not thread-safe: the owning {@link PtySession} locks.
 */
final class OutputRing {
    private static final int INITIAL = 16 * 1024;
    private final int capacity;
    private byte[] ring;
    private long end;

    OutputRing(int capacity) {
        this.capacity = capacity;
        this.ring = new byte[Math.min(capacity, INITIAL)];
    }

    void append(byte[] data, int off, int len) {
        if (ring.length < capacity && end + len > ring.length) {
            // not wrapped yet: the bytes held are [0, end)
            ring = java.util.Arrays.copyOf(ring, (int) Math.min(capacity, Math.max(end + len, 2L * ring.length)));
        }
        if (len >= ring.length) {
            off += len - ring.length;
            end += len - ring.length;
            len = ring.length;
        }
        int at = (int) (end % ring.length);
        int first = Math.min(len, ring.length - at);
        System.arraycopy(data, off, ring, at, first);
        System.arraycopy(data, off + first, ring, 0, len - first);
        end += len;
    }

    /** Bytes allocated now (at most the capacity). */
    int allocated() {
        return ring.length;
    }

    /** Offset just past the newest byte. */
    long end() {
        return end;
    }

    /** Offset of the oldest byte still held. */
    long start() {
        return Math.max(0, end - ring.length);
    }

    /** The bytes from {@code offset} (or the oldest held, if that is gone) to the end. */
    byte[] copyFrom(long offset) {
        long from = Math.max(offset, start());
        int len = (int) Math.max(0, end - from);
        byte[] out = new byte[len];
        int at = (int) (from % ring.length);
        int first = Math.min(len, ring.length - at);
        System.arraycopy(ring, at, out, 0, first);
        System.arraycopy(ring, 0, out, first, len - first);
        return out;
    }
}
