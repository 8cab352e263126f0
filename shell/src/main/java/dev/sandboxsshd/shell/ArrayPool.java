package dev.sandboxsshd.shell;

import java.lang.ref.SoftReference;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Byte arrays of one size kept for reuse by a data path that would otherwise make one per packet or request (and
 * spend its CPU zeroing them and collecting them). At most {@code capacity} are kept, and only softly: the collector
 * takes them back when the heap runs short, so idle sessions do not hold memory the daemon needs. Thread-safe.
 */
public final class ArrayPool {
    private final int arraySize;
    private final BlockingQueue<SoftReference<byte[]>> spare;

    public ArrayPool(int arraySize, int capacity) {
        this.arraySize = arraySize;
        this.spare = new ArrayBlockingQueue<>(capacity);
    }

    public int arraySize() {
        return arraySize;
    }

    /** A kept array of {@link #arraySize()} bytes (its old contents left in it), or a new one. */
    public byte[] take() {
        SoftReference<byte[]> kept;
        while ((kept = spare.poll()) != null) {
            byte[] array = kept.get();
            if (array != null) {
                return array;
            }
        }
        return new byte[arraySize];
    }

    /** Keeps an array nothing refers to any more, if it is of this pool's size and the pool has room. */
    public void give(byte[] array) {
        if (array.length == arraySize) {
            spare.offer(new SoftReference<>(array));
        }
    }
}
