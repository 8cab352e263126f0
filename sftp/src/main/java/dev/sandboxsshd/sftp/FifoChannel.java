package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.function.IntSupplier;

import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Errno;
import dev.sandboxsshd.shell.LibC;

/**
 * A FIFO opened for a user's SFTP or SCP session, whose blocking calls end when the session does.
 *
 * <p>{@code open(2)} of a FIFO waits for the other end, and its {@code read}/{@code write} for data or room, for
 * as long as nobody comes. The JDK's open retries on EINTR and a thread cannot be killed, so a session thread
 * blocked there outlived its session, with its identity and its queued requests. Here open, read and write are
 * plain libc calls that give up on EINTR once the channel is closed; closing (which {@link Thread#interrupt} does,
 * as for any interruptible channel: MINA interrupts the session's thread when the session ends) sends the blocked
 * thread the JDK's own I/O wake-up signal ({@code SIGRTMAX-2}, which the JDK installs with a no-op handler and no
 * {@code SA_RESTART} for exactly this), again every 50 ms until it has left the call. O_NONBLOCK instead would
 * change what a client sees (an empty read, ENXIO for a writer with no reader); a signal changes nothing of that.
 *
 * <p>As with sftp-server, which seeks before every read and write, a FIFO cannot be positioned ("Illegal seek");
 * sequential writes (legacy {@code scp -t}) work.
 */
final class FifoChannel extends AbstractInterruptibleChannel implements SeekableByteChannel {
    private static final Logger LOG = LoggerFactory.getLogger(FifoChannel.class);
    private static final LibC C = LibC.INSTANCE;

    private static final int CHUNK = 64 * 1024;
    /** The JDK's (sun.nio.ch.NativeThread's INTERRUPT_SIGNAL on Linux). */
    private static final int WAKE_SIGNAL = C.__libc_current_sigrtmax() - 2;

    static {
        wakeSignalReady();
    }

    private final Object lock = new Object();
    private final boolean readable;
    private final boolean writable;
    private int fd = -1;
    /** The thread now in a blocking call on this channel, 0 when none. */
    private int blockedTid;

    private FifoChannel(boolean readable, boolean writable) {
        this.readable = readable;
        this.writable = writable;
    }

    /**
     * Opens {@code path} (a FIFO) as the calling thread, waiting for the other end as open(2) does.
     *
     * @param name the path errors name
     */
    static FifoChannel open(String path, String name, boolean readable, boolean writable) throws IOException {
        int mode = readable && writable ? LibC.O_RDWR : writable ? LibC.O_WRONLY : LibC.O_RDONLY;
        FifoChannel channel = new FifoChannel(readable, writable);
        int opened = channel.blocking(() -> C.open(path, mode | LibC.O_CLOEXEC), name);
        synchronized (channel.lock) {
            if (channel.isOpen()) {
                channel.fd = opened;
                return channel;
            }
        }
        C.close(opened);
        throw new ClosedChannelException();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!readable) {
            throw new NonReadableChannelException();
        }
        byte[] chunk = new byte[Math.min(dst.remaining(), CHUNK)];
        int f = fd();
        int n = blocking(() -> (int) C.read(f, chunk, chunk.length), null);
        if (n == 0 && chunk.length > 0) {
            return -1;
        }
        dst.put(chunk, 0, n);
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!writable) {
            throw new NonWritableChannelException();
        }
        byte[] chunk = new byte[Math.min(src.remaining(), CHUNK)];
        src.get(chunk);
        int f = fd();
        int n = blocking(() -> (int) C.write(f, chunk, chunk.length), null);
        src.position(src.position() - chunk.length + n);
        return n;
    }

    @Override
    public long position() throws IOException {
        throw new IOException(Errno.reason(Errno.ESPIPE));
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        throw new IOException(Errno.reason(Errno.ESPIPE));
    }

    /** A FIFO's size is 0, as fstat has it. */
    @Override
    public long size() throws IOException {
        fd();
        return 0;
    }

    /** Nothing to cut: the size is 0. */
    @Override
    public SeekableByteChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size");
        }
        fd();
        return this;
    }

    private int fd() throws ClosedChannelException {
        synchronized (lock) {
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
            return fd;
        }
    }

    /**
     * Runs a libc call that may block (on a descriptor that stays open until it returns), again after each EINTR
     * while the channel is open. Closed meanwhile: the
     * channel's exception (AsynchronousCloseException, ClosedByInterruptException).
     */
    private int blocking(IntSupplier call, String name) throws IOException {
        boolean completed = false;
        int result = -1;
        try {
            begin();
            synchronized (lock) {
                if (!isOpen()) {
                    throw new ClosedChannelException();
                }
                blockedTid = C.gettid();
            }
            while (isOpen()) {
                result = call.getAsInt();
                if (result >= 0) {
                    break;
                }
                int errno = Native.getLastError();
                if (errno != Errno.EINTR) {
                    throw Errno.exception(name, errno);
                }
            }
            completed = result >= 0;
        } finally {
            synchronized (lock) {
                blockedTid = 0;
                lock.notifyAll();
            }
            end(completed);
        }
        if (!completed) {
            throw new InterruptedIOException("closed");
        }
        return result;
    }

    /** Wakes a thread blocked in a call on this channel until it has left it, then closes the descriptor. */
    @Override
    protected void implCloseChannel() {
        synchronized (lock) {
            boolean interrupted = false;
            while (blockedTid != 0) {
                C.tgkill(C.getpid(), blockedTid, WAKE_SIGNAL);
                try {
                    lock.wait(50);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (fd >= 0) {
                C.close(fd);
                fd = -1;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The JDK installs its wake-up handler when its NIO classes load; make sure they have, and say so in the log if
     * the handler is not there or would restart the call.
     */
    private static void wakeSignalReady() {
        try {
            Class.forName("sun.nio.ch.NativeThread", true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.warn("cannot load the JDK's I/O wake-up signal handler: {}", e.toString());
        }
        byte[] action = new byte[LibC.SIGACTION_SIZE];
        if (C.sigaction(WAKE_SIGNAL, null, action) != 0) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(action).order(ByteOrder.nativeOrder());
        long handler = b.getLong(0);
        int flags = b.getInt(LibC.SIGACTION_FLAGS);
        if (handler == 0 || handler == 1 || (flags & LibC.SA_RESTART) != 0) {
            LOG.warn("signal {} has no handler that interrupts calls (handler={} flags={}): a session blocked on a"
                    + " FIFO will outlive its end", WAKE_SIGNAL, handler, Integer.toHexString(flags));
        }
    }
}
