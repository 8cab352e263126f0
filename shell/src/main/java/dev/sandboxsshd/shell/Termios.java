package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Native;

/**
 * glibc's {@code struct termios} on Linux (bits/termios-struct.h, the same on x86_64 and aarch64): c_iflag,
 * c_oflag, c_cflag and c_lflag (unsigned int), c_line, c_cc[32], then c_ispeed and c_ospeed, 60 bytes in all. Read
 * from a terminal, changed field by field, and written back whole, so what it does not name is kept as it was.
 * Speeds are only noted here and set with cfsetospeed/cfsetispeed on the way back, as sshd does.
 */
final class Termios {
    static final int SIZE = 60;
    static final int NCCS = 32;
    private static final int CC_OFFSET = 17;
    private static final int TCSANOW = 0;
    private static final int UNCHANGED = -1;
    private static final LibC C = LibC.INSTANCE;

    /** The four flag words, by their offset in the struct. */
    enum Flags {
        INPUT(0), OUTPUT(4), CONTROL(8), LOCAL(12);

        private final int offset;

        Flags(int offset) {
            this.offset = offset;
        }
    }

    private final byte[] struct;
    private final ByteBuffer fields;
    private int inputSpeed = UNCHANGED;
    private int outputSpeed = UNCHANGED;

    Termios(byte[] struct) {
        if (struct.length != SIZE) {
            throw new IllegalArgumentException("struct termios is " + SIZE + " bytes, got " + struct.length);
        }
        this.struct = struct;
        this.fields = ByteBuffer.wrap(struct).order(ByteOrder.nativeOrder());
    }

    /** tcgetattr. */
    static Termios of(int fd) throws IOException {
        byte[] struct = new byte[SIZE];
        if (C.tcgetattr(fd, struct) != 0) {
            throw new IOException("tcgetattr: " + C.strerror(Native.getLastError()));
        }
        return new Termios(struct);
    }

    /** Sets the noted speeds (output first, input last, in the order OpenSSH's client sends them), then tcsetattr. */
    void setOn(int fd) throws IOException {
        if (outputSpeed != UNCHANGED && C.cfsetospeed(struct, outputSpeed) != 0) {
            throw new IOException("cfsetospeed " + outputSpeed + ": " + C.strerror(Native.getLastError()));
        }
        if (inputSpeed != UNCHANGED && C.cfsetispeed(struct, inputSpeed) != 0) {
            throw new IOException("cfsetispeed " + inputSpeed + ": " + C.strerror(Native.getLastError()));
        }
        if (C.tcsetattr(fd, TCSANOW, struct) != 0) {
            throw new IOException("tcsetattr: " + C.strerror(Native.getLastError()));
        }
    }

    int flags(Flags which) {
        return fields.getInt(which.offset);
    }

    /** Sets or clears the bits of {@code mask}, as sshd does for each flag (CS7 and CS8 are masks of two bits). */
    void setFlag(Flags which, int mask, boolean on) {
        int value = flags(which);
        fields.putInt(which.offset, on ? value | mask : value & ~mask);
    }

    /** c_cc[index], 0 to 255. */
    int controlChar(int index) {
        return Byte.toUnsignedInt(struct[CC_OFFSET + checkIndex(index)]);
    }

    void setControlChar(int index, int value) {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("control character out of range: " + value);
        }
        struct[CC_OFFSET + checkIndex(index)] = (byte) value;
    }

    /** A speed_t constant (B9600...) for cfsetispeed, or -1 when none was given. */
    int inputSpeed() {
        return inputSpeed;
    }

    void setInputSpeed(int speed) {
        inputSpeed = speed;
    }

    int outputSpeed() {
        return outputSpeed;
    }

    void setOutputSpeed(int speed) {
        outputSpeed = speed;
    }

    private static int checkIndex(int index) {
        if (index < 0 || index >= NCCS) {
            throw new IndexOutOfBoundsException("c_cc[" + index + "]");
        }
        return index;
    }
}
