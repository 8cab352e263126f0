package dev.sandboxsshd.sftp;

import java.util.function.Consumer;
import java.util.function.IntFunction;

import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferUtils;
import org.apache.sshd.sftp.common.SftpConstants;

/**
 * The SFTP byte stream cut into messages ({@code uint32 length}, then that many bytes), however the client cuts it
 * into channel packets, and the room a READ's reply needs; bytes in, messages and numbers out, nothing else (the
 * subsystem does the logging, the closing and the processing).
 */
final class SftpFraming {
    /** OpenSSH's sftp-server refuses longer messages (SFTP_MAX_MSG_LENGTH, 256 KiB); we allow a write's headers more. */
    static final long MAX_MESSAGE = (256 + 8) * 1024;
    /** SSH_FXP_DATA's length, type, id and data length, before the data. */
    static final int SFTP_DATA_HEADER = 13;
    /** The room a reply starts with (it grows); all but a READ's fit. */
    static final int SMALL_REPLY = 256;

    /** Makes the buffer of a message of this length (at most {@link #MAX_MESSAGE}), empty, with room for it. */
    private final IntFunction<Buffer> newMessage;
    /** The message being received: its length first (it may span packets). */
    private final byte[] lengthBytes = new byte[Integer.BYTES];
    private int lengthBytesHave;
    private Buffer incoming;
    private boolean refused;

    SftpFraming(IntFunction<Buffer> newMessage) {
        this.newMessage = newMessage;
    }

    /**
     * Reads {@code len} bytes of the stream; each message they complete goes to {@code complete}, in order, as its
     * length and its bytes. A message longer than any client sends would be waited for forever: the first such
     * length is returned and the stream is refused from there on (this and later calls read nothing more).
     *
     * @return the length of the message refused by this call, or -1
     */
    long read(byte[] buf, int start, int len, Consumer<Buffer> complete) {
        int at = start;
        int end = start + len;
        while (at < end && !refused) {
            if (incoming == null) {
                int n = Math.min(Integer.BYTES - lengthBytesHave, end - at);
                System.arraycopy(buf, at, lengthBytes, lengthBytesHave, n);
                at += n;
                lengthBytesHave += n;
                if (lengthBytesHave < Integer.BYTES) {
                    break;
                }
                lengthBytesHave = 0;
                long declared = BufferUtils.getUInt(lengthBytes, 0, Integer.BYTES);
                if (declared > MAX_MESSAGE) {
                    refused = true;
                    return declared;
                }
                incoming = newMessage.apply((int) declared);
                incoming.putUInt(declared);
            }
            int message = Integer.BYTES + (int) BufferUtils.getUInt(incoming.array(), 0, Integer.BYTES);
            int n = Math.min(message - incoming.wpos(), end - at);
            incoming.putRawBytes(buf, at, n);
            at += n;
            if (incoming.wpos() == message) {
                complete.accept(incoming);
                incoming = null;
            }
        }
        return -1;
    }

    boolean refused() {
        return refused;
    }

    /**
     * The room a reply to {@code request} (read up to its type and id) needs: a READ's data, capped at
     * {@code maxReadLength} as MINA caps it, with its header; {@link #SMALL_REPLY} for any other (its reply grows).
     * A malformed READ gets the small room too: MINA's parser refuses it.
     */
    static int replyRoom(Buffer request, int type, int maxReadLength) {
        if (type != SftpConstants.SSH_FXP_READ || request.available() < Integer.BYTES) {
            return SMALL_REPLY;
        }
        // handle (string), offset (uint64), length (uint32)
        long lengthAt = request.rpos() + Integer.BYTES + BufferUtils.getUInt(request.array(), request.rpos(), Integer.BYTES)
                + Long.BYTES;
        if (lengthAt + Integer.BYTES > request.wpos()) {
            return SMALL_REPLY;
        }
        long requested = BufferUtils.getUInt(request.array(), (int) lengthAt, Integer.BYTES);
        return (int) Math.min(requested, maxReadLength) + SFTP_DATA_HEADER + Long.SIZE;
    }
}
