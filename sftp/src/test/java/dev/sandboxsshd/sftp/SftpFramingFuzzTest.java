package dev.sandboxsshd.sftp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferUtils;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.sftp.common.SftpConstants;
import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * What an SFTP client's bytes reach before MINA's request parser: the framing of the stream into messages, the room
 * a READ's reply is given, and the paths it names. Each must hold for any bytes, with no exception but the ones
 * named. Replayed from {@code SftpFramingFuzzTestInputs/<method>/} in the unit phase; fuzzing: README "Fuzzing".
 */
class SftpFramingFuzzTest {
    /** The subsystem's pooled request arrays: room for the longest message and a little after it. */
    private static final int LARGE_ARRAY = (int) SftpFraming.MAX_MESSAGE + Integer.BYTES + Long.SIZE;

    /**
     * The stream cut into packets anywhere gives exactly the messages a plain reading of the whole stream gives, and
     * stops at the first over-long length, once. Input: byte 0 is how many of the next bytes are packet sizes
     * (0-7, cycled; none: one packet), the rest is the stream.
     */
    @FuzzTest
    @Timeout(10)
    void framing(byte[] input) {
        int sizeCount = input.length == 0 ? 0 : Math.min(input[0] & 7, input.length - 1);
        int[] sizes = new int[Math.max(sizeCount, 1)];
        for (int i = 0; i < sizeCount; i++) {
            sizes[i] = 1 + (input[1 + i] & 0xff);
        }
        byte[] stream = Arrays.copyOfRange(input, input.length == 0 ? 0 : 1 + sizeCount, input.length);
        if (sizeCount == 0) {
            sizes[0] = Math.max(stream.length, 1);
        }

        List<byte[]> got = new ArrayList<>();
        SftpFraming framing = new SftpFraming(length -> {
            assertTrue(length >= 0 && length <= SftpFraming.MAX_MESSAGE, "message of " + length);
            // as the subsystem's: a pooled array for a large request, an exact one (and a little room) for the rest
            return new ByteArrayBuffer(new byte[length >= 32 * 1024 ? LARGE_ARRAY : Integer.BYTES + length + Long.SIZE], false);
        });
        long refused = -1;
        int at = 0;
        for (int packet = 0; at < stream.length; packet++) {
            int n = Math.min(sizes[packet % sizes.length], stream.length - at);
            // the packet inside a larger array, at an offset, as channel data arrives
            byte[] carrier = new byte[n + 3];
            System.arraycopy(stream, at, carrier, 2, n);
            int before = got.size();
            long r = framing.read(carrier, 2, n, message -> {
                assertEquals(0, message.rpos());
                got.add(Arrays.copyOf(message.array(), message.wpos()));
            });
            if (refused >= 0) {
                assertEquals(-1, r, "refused twice");
                assertEquals(before, got.size(), "a message after the refusal");
            } else {
                refused = r;
            }
            at += n;
        }

        List<byte[]> want = new ArrayList<>();
        long wantRefused = -1;
        for (int i = 0; stream.length - i >= Integer.BYTES; ) {
            long length = BufferUtils.getUInt(stream, i, Integer.BYTES);
            if (length > SftpFraming.MAX_MESSAGE) {
                wantRefused = length;
                break;
            }
            if (stream.length - i - Integer.BYTES < length) {
                break;
            }
            want.add(Arrays.copyOfRange(stream, i, i + Integer.BYTES + (int) length));
            i += Integer.BYTES + (int) length;
        }
        assertEquals(wantRefused, refused);
        assertEquals(wantRefused >= 0, framing.refused());
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "message " + i);
        }
    }

    /**
     * The room a reply is built in, from a request MINA has read up to its type and id: never an exception, never
     * more than the subsystem's read array holds, and for a READ that parses, its length as capped.
     * Input: byte 0 the type (even: SSH_FXP_READ), byte 1 where the request's fields start, byte 2 the read cap;
     * the rest is the request.
     */
    @FuzzTest
    @Timeout(10)
    void replyRoom(byte[] input) {
        if (input.length < 3) {
            return;
        }
        int type = (input[0] & 1) == 0 ? SftpConstants.SSH_FXP_READ : input[0] & 0xff;
        int maxRead = switch (input[2] & 3) {
            case 1 -> 32 * 1024; // MINA's least
            case 2 -> 63 * 1024;
            default -> UserSftpSubsystemFactory.READ_LENGTH; // the server's
        };
        byte[] request = Arrays.copyOfRange(input, 3, input.length);
        Buffer buffer = new ByteArrayBuffer(request);
        int rpos = Math.min(input[1] & 0xff, request.length);
        buffer.rpos(rpos);

        int room = SftpFraming.replyRoom(buffer, type, maxRead);

        assertEquals(rpos, buffer.rpos(), "the request was read");
        assertEquals(request.length, buffer.wpos());
        int readArray = Integer.BYTES + maxRead + SftpFraming.SFTP_DATA_HEADER + Long.SIZE;
        assertTrue(room == SftpFraming.SMALL_REPLY || Integer.BYTES + room <= readArray, "room " + room);
        long handleLength = request.length - rpos >= Integer.BYTES ? BufferUtils.getUInt(request, rpos, Integer.BYTES) : -1;
        long lengthAt = rpos + Integer.BYTES + handleLength + Long.BYTES;
        if (type == SftpConstants.SSH_FXP_READ && handleLength >= 0 && lengthAt + Integer.BYTES <= request.length) {
            long requested = BufferUtils.getUInt(request, (int) lengthAt, Integer.BYTES);
            assertEquals(Math.min(requested, maxRead) + SftpFraming.SFTP_DATA_HEADER + Long.SIZE, room);
        } else {
            assertEquals(SftpFraming.SMALL_REPLY, room);
        }
    }

    /**
     * Every path a request names, {@code ~} and {@code ~user} included (expand-path@openssh.com), becomes an
     * absolute path, or an {@link InvalidPathException} (a NUL, no such user); a plain relative one is under home.
     */
    @FuzzTest
    @Timeout(10)
    void expandPath(byte[] input) {
        String remote = new String(input, UTF_8);
        Path home = Path.of("/home/fuzz");
        Path path;
        try {
            path = HomeRelativePaths.expand(home.getFileSystem(), home, remote);
        } catch (InvalidPathException e) {
            return;
        }
        assertTrue(path.isAbsolute(), path::toString);
        assertTrue(path.normalize().isAbsolute(), path::toString);
        if (!remote.startsWith("~") && !remote.startsWith("/")) {
            assertTrue(path.startsWith(home), path::toString);
        }
    }
}
