package dev.sandboxsshd.server;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;

import dev.sandboxsshd.shell.DirectLibC;


/**
 * Ends the daemon (exit 70, one line on stderr) once its heap is exhausted, however it was started: the old
 * generation still over 90% full after a collection, or this thread itself unable to allocate.
 *
 * <p>An OutOfMemoryError is mostly caught where it is thrown (MINA turns one in an I/O thread into a closed
 * session, and its acceptor stops re-accepting when even that fails), so no thread need die of it: measured with a
 * 40 MB heap and 40 clients pushing into sessions that never read, the daemon stayed up, every I/O thread failing,
 * and no login got through. The launcher's {@code -XX:+ExitOnOutOfMemoryError} (exit 3) covers the image; this
 * covers a {@code java -jar} without it (the flag cannot be set at run time). {@link Runtime#halt} itself allocates
 * (JDK 17.0.15: an OutOfMemoryError from halt in a full heap), so the exit is libc's {@code _exit} through JNA's
 * direct mapping, which takes no heap, as does the message, made in advance. State and host key are on disk and the
 * image restarts the daemon.
 */
final class HeapWatchdog {
    /** Of the old generation's maximum, still in use after a collection. */
    static final double FULL = 0.9;
    private static final long PERIOD_MS = 500;

    private HeapWatchdog() {
    }

    /** Writes {@code message} to stderr and ends the process now, without allocating. */
    static void exitNow(int status, byte[] message) {
        try {
            DirectLibC.write(2, message, message.length);
        } finally {
            DirectLibC._exit(status);
        }
    }

    static void start(int status) {
        DirectLibC.bind();
        byte[] full = ("sandbox-sshd: exiting: the heap is exhausted (" + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                + " MB)\n").getBytes(StandardCharsets.UTF_8);
        MemoryPoolMXBean old = null;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            // the old generation: the one heap pool with a usage threshold (eden and survivors have none)
            if (pool.getType() == MemoryType.HEAP && pool.isUsageThresholdSupported() && pool.getUsage().getMax() > 0) {
                old = pool;
            }
        }
        if (old == null) {
            return;
        }
        MemoryPoolMXBean pool = old;
        long limit = (long) (pool.getUsage().getMax() * FULL);
        Thread watchdog = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(PERIOD_MS);
                    if (pool.getCollectionUsage().getUsed() > limit) {
                        exitNow(status, full);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable e) { // out of memory here too
                    exitNow(status, full);
                }
            }
        }, "heap-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
