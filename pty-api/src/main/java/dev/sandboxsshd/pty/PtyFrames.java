package dev.sandboxsshd.pty;

import java.nio.ByteBuffer;

import dev.sandboxsshd.shell.PtySize;

/**
 * The PTY WebSocket protocol: binary frames whose first byte says what they carry.
 * Client to server: {@code 02} READY, {@code 00}+bytes input, {@code 01}+cols(u16 BE)+rows(u16 BE) resize.
 * Server to client: {@code 00}+bytes output, {@code 03}+int32 BE exit code.
 */
final class PtyFrames {
    static final byte DATA = 0x00;
    static final byte RESIZE = 0x01;
    static final byte READY = 0x02;
    static final byte EXIT = 0x03;

    /** A client frame, decoded. */
    sealed interface ClientFrame permits Ready, Input, Resize {
    }

    record Ready() implements ClientFrame {
    }

    record Input(byte[] bytes) implements ClientFrame {
    }

    record Resize(PtySize size) implements ClientFrame {
    }

    /** A frame that breaks the protocol; the message is the close reason. */
    static final class BadFrame extends Exception {
        BadFrame(String message) {
            super(message);
        }
    }

    private PtyFrames() {
    }

    static ClientFrame parse(ByteBuffer frame) throws BadFrame {
        if (!frame.hasRemaining()) {
            throw new BadFrame("empty frame");
        }
        byte op = frame.get();
        switch (op) {
            case READY -> {
                return new Ready();
            }
            case DATA -> {
                byte[] bytes = new byte[frame.remaining()];
                frame.get(bytes);
                return new Input(bytes);
            }
            case RESIZE -> {
                if (frame.remaining() != 4) {
                    throw new BadFrame("resize frame needs 4 bytes after the opcode, got " + frame.remaining());
                }
                int cols = Short.toUnsignedInt(frame.getShort());
                int rows = Short.toUnsignedInt(frame.getShort());
                try {
                    return new Resize(new PtySize(cols, rows));
                } catch (IllegalArgumentException e) {
                    throw new BadFrame("resize: " + e.getMessage());
                }
            }
            default -> throw new BadFrame(String.format("unknown opcode 0x%02x", op));
        }
    }

    static ByteBuffer output(byte[] data, int off, int len) {
        ByteBuffer frame = ByteBuffer.allocate(1 + len);
        frame.put(DATA).put(data, off, len).flip();
        return frame;
    }

    static ByteBuffer exit(int code) {
        ByteBuffer frame = ByteBuffer.allocate(5);
        frame.put(EXIT).putInt(code).flip();
        return frame;
    }
}
