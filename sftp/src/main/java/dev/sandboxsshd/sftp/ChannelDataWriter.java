package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Arrays;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.RemoteWindow;
import org.apache.sshd.common.channel.throttle.ChannelStreamWriter;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.PacketBuffer;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.apache.sshd.core.CoreModuleProperties;

import dev.sandboxsshd.shell.ArrayPool;
import dev.sandboxsshd.shell.OutputBudget;

/**
 * Sends SFTP replies into the session as SSH_MSG_CHANNEL_DATA packets from the SFTP thread, as OpenSSH's sshd packs
 * sftp-server's output: the thread waits only for the client's window, encrypts, and queues the packet on the
 * socket, while earlier packets are still being written. MINA's asynchronous channel stream (behind a
 * BufferedIoOutputStream) allowed one packet in flight and encrypted the next one only when the socket write of the
 * last had completed, on an I/O thread: a hand-over per 32 KiB, and sftp get ran at 0.6 of OpenSSH.
 * A reply built by {@link #newReply} is sent as its own first packet, without a copy; only what does not fit in
 * that packet is copied into further packets of the client's size, as is any other buffer.
 * What is queued on the socket and not yet written is bounded by the {@link OutputBudget} (per channel and in
 * total), not only by the client's window, which a client may make as large as it likes.
 */
final class ChannelDataWriter extends AbstractCloseable implements IoOutputStream {
    /** Where the channel data starts in a packet: header, message type, recipient channel, data length. */
    private static final int DATA_START = SshConstants.SSH_PACKET_HEADER_LEN + 1 + 2 * Integer.BYTES;
    private static final int MAX_PADDING = 255;
    private static final int MAX_MAC = 64;
    /**
     * Packets are pooled up to this much data. A client names its packet size (OpenSSH: 32 KiB) and MINA accepts up
     * to 512 MiB: arrays of the client's size would let it make every copy allocate that much.
     */
    private static final int MAX_POOLED_DATA = 64 * 1024;

    private final Channel channel;
    private final ChannelStreamWriter writer;
    private final RemoteWindow window;
    private final Duration maxWait;
    /**
     * Arrays of packets whose socket write completed, reused for the next copies, each with room for a full packet
     * (header, type, channel and length, data, padding and MAC) of the client's size or MAX_POOLED_DATA, whichever is
     * less. A 1 GiB get allocated 1 GiB of packets; zeroing the new arrays and the young collections they caused were
     * ~15% of the daemon's CPU. At most 16 kept (0.5 MiB with OpenSSH's 32 KiB packets).
     */
    private final ArrayPool packets;
    private final OutputBudget.Account queued;

    ChannelDataWriter(Channel channel, OutputBudget budget) {
        this.channel = channel;
        this.queued = budget.account(channel.toString());
        this.writer = channel.resolveChannelStreamWriter(channel, SshConstants.SSH_MSG_CHANNEL_DATA);
        this.window = channel.getRemoteWindow();
        this.maxWait = CoreModuleProperties.WAIT_FOR_SPACE_TIMEOUT.getRequired(channel);
        this.packets = new ArrayPool(packetArraySize((int) Math.min(window.getPacketSize(), MAX_POOLED_DATA)), 16);
    }

    /**
     * An empty reply with room for {@code room} bytes, laid out as a channel-data packet whose data starts at the
     * read position: what {@link #writeBuffer} sends without a copy.
     */
    static Buffer newReply(Session session, int room) {
        Buffer reply = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, 2 * Integer.BYTES + room);
        reply.wpos(DATA_START); // recipient channel and data length: headerInPlace fills them in
        reply.rpos(DATA_START);
        return reply;
    }

    @Override
    public IoWriteFuture writeBuffer(Buffer data) throws IOException {
        IoWriteFuture last = null;
        Buffer rest = data;
        try {
            while (rest.available() > 0) {
                long room = window.waitForSpace(maxWait); // a closed channel ends the wait with an exception
                int chunk = (int) Math.min(rest.available(), Math.min(room, window.getPacketSize()));
                window.consume(chunk); // this thread is the channel's only writer: the room is still there
                queued.acquire(chunk);
                try {
                    if (rest instanceof PacketBuffer && rest.rpos() == DATA_START) {
                        // The reply itself becomes the packet; what does not fit (a long directory listing) is
                        // copied out first, as the session encrypts the packet in place.
                        int cut = rest.rpos() + chunk;
                        if (cut == rest.wpos()) { // the whole reply, as most are
                            return releasing(writer.writeData(headerInPlace(rest, chunk)), chunk); // the session's now
                        }
                        Buffer tail = new ByteArrayBuffer(Arrays.copyOfRange(rest.array(), cut, rest.wpos()));
                        rest.wpos(cut);
                        last = releasing(writer.writeData(headerInPlace(rest, chunk)), chunk);
                        rest = tail;
                    } else {
                        last = writeCopy(rest, chunk);
                        rest.rpos(rest.rpos() + chunk);
                    }
                } catch (IOException | RuntimeException notQueued) { // a closing channel: the bytes never queued
                    queued.release(chunk);
                    throw notQueued;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the client's window");
        }
        return last;
    }

    private Buffer headerInPlace(Buffer reply, int length) {
        int end = reply.wpos();
        reply.rpos(SshConstants.SSH_PACKET_HEADER_LEN);
        reply.wpos(SshConstants.SSH_PACKET_HEADER_LEN);
        reply.putByte(SshConstants.SSH_MSG_CHANNEL_DATA);
        reply.putUInt(channel.getRecipient());
        reply.putUInt(length);
        reply.wpos(end);
        return reply;
    }

    private static int packetArraySize(int dataLength) {
        return DATA_START + dataLength + MAX_PADDING + MAX_MAC;
    }

    private IoWriteFuture writeCopy(Buffer data, int length) throws IOException {
        int size = packetArraySize(length);
        byte[] array = size <= packets.arraySize() ? packets.take() : new byte[size];
        Buffer packet = channel.getSession().prepareBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, new PacketBuffer(array, false));
        packet.putUInt(channel.getRecipient());
        packet.putUInt(length);
        packet.putRawBytes(data.array(), data.rpos(), length);
        IoWriteFuture written = writer.writeData(packet);
        // Once written, nothing refers to the array any more (if the session had to grow the packet, it dropped it).
        written.addListener(f -> {
            queued.release(length);
            if (f.isWritten()) {
                packets.give(array);
            }
        });
        return written;
    }

    /** Gives the packet's bytes back to the budget once its write is over, written or not. */
    private IoWriteFuture releasing(IoWriteFuture written, int length) {
        written.addListener(f -> queued.release(length));
        return written;
    }
}
