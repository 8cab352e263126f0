package dev.sandboxsshd.shell;

import static dev.sandboxsshd.shell.Termios.Flags.CONTROL;
import static dev.sandboxsshd.shell.Termios.Flags.INPUT;
import static dev.sandboxsshd.shell.Termios.Flags.LOCAL;
import static dev.sandboxsshd.shell.Termios.Flags.OUTPUT;
import static java.util.Map.entry;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

import dev.sandboxsshd.shell.Termios.Flags;

/**
 * RFC 4254 §8 opcodes as changes to a {@link Termios}, as OpenSSH's sshd makes them (ttymodes.c, tty_parse_modes):
 * a control character takes the value (255 disables it), a flag is set by 1 and cleared by 0, a speed is set with
 * cfsetispeed/cfsetospeed. The numbers are Linux's (glibc's bits/termios-*.h, the same on x86_64 and aarch64).
 *
 * <p>Ignored, as sshd built for Linux ignores them: opcodes Linux has no such mode for (VDSUSP, VFLUSH, VSWTCH,
 * VSTATUS) and any other opcode not below. Values out of range are ignored too, where sshd differs: it keeps the
 * low 8 bits of a character (cc_t), takes any non-zero flag value as set, and sets 9600 baud for a rate missing
 * from its table.
 */
final class TtyModes {
    static final int TTY_OP_ISPEED = 128;
    static final int TTY_OP_OSPEED = 129;
    /** What a client sends for a character it has disabled; Linux's _POSIX_VDISABLE is 0. */
    private static final int SSH_DISABLED = 255;
    private static final int POSIX_VDISABLE = 0;

    /** Each mode applied: its opcode, and Linux's c_cc index or flag field and bits (glibc's names). */
    private enum Mode {
        VINTR(1, 0), VQUIT(2, 1), VERASE(3, 2), VKILL(4, 3), VEOF(5, 4), VEOL(6, 11), VEOL2(7, 16),
        VSTART(8, 8), VSTOP(9, 9), VSUSP(10, 10), VREPRINT(12, 12), VWERASE(13, 14), VLNEXT(14, 15), VDISCARD(18, 13),

        IGNPAR(30, INPUT, 0000004), PARMRK(31, INPUT, 0000010), INPCK(32, INPUT, 0000020),
        ISTRIP(33, INPUT, 0000040), INLCR(34, INPUT, 0000100), IGNCR(35, INPUT, 0000200), ICRNL(36, INPUT, 0000400),
        IUCLC(37, INPUT, 0001000), IXON(38, INPUT, 0002000), IXANY(39, INPUT, 0004000), IXOFF(40, INPUT, 0010000),
        IMAXBEL(41, INPUT, 0020000), IUTF8(42, INPUT, 0040000),

        ISIG(50, LOCAL, 0000001), ICANON(51, LOCAL, 0000002), XCASE(52, LOCAL, 0000004), ECHO(53, LOCAL, 0000010),
        ECHOE(54, LOCAL, 0000020), ECHOK(55, LOCAL, 0000040), ECHONL(56, LOCAL, 0000100),
        NOFLSH(57, LOCAL, 0000200), TOSTOP(58, LOCAL, 0000400), IEXTEN(59, LOCAL, 0100000),
        ECHOCTL(60, LOCAL, 0001000), ECHOKE(61, LOCAL, 0004000), PENDIN(62, LOCAL, 0040000),

        OPOST(70, OUTPUT, 0000001), OLCUC(71, OUTPUT, 0000002), ONLCR(72, OUTPUT, 0000004),
        OCRNL(73, OUTPUT, 0000010), ONOCR(74, OUTPUT, 0000020), ONLRET(75, OUTPUT, 0000040),

        // sshd's bit arithmetic, kept: CS8 is both bits of CSIZE, CS7 one of them (Linux keeps ptys at CS8 anyway)
        CS7(90, CONTROL, 0000040), CS8(91, CONTROL, 0000060), PARENB(92, CONTROL, 0000400),
        PARODD(93, CONTROL, 0001000);

        private final int opcode;
        /** The c_cc index of a control character; -1 for a flag. */
        private final int index;
        /** The flag field; null for a control character. */
        private final Flags field;
        private final int mask;

        Mode(int opcode, int index) {
            this(opcode, index, null, 0);
        }

        Mode(int opcode, Flags field, int mask) {
            this(opcode, -1, field, mask);
        }

        Mode(int opcode, int index, Flags field, int mask) {
            this.opcode = opcode;
            this.index = index;
            this.field = field;
            this.mask = mask;
        }
    }

    private static final Map<Integer, Mode> MODES = Arrays.stream(Mode.values())
            .collect(Collectors.toUnmodifiableMap(mode -> mode.opcode, mode -> mode));

    /** Baud rate to glibc's speed_t constant, every one Linux has. */
    private static final Map<Integer, Integer> SPEEDS = Map.ofEntries(
            entry(0, 0), entry(50, 01), entry(75, 02), entry(110, 03), entry(134, 04), entry(150, 05),
            entry(200, 06), entry(300, 07), entry(600, 010), entry(1200, 011), entry(1800, 012), entry(2400, 013),
            entry(4800, 014), entry(9600, 015), entry(19200, 016), entry(38400, 017), entry(57600, 010001),
            entry(115200, 010002), entry(230400, 010003), entry(460800, 010004), entry(500000, 010005),
            entry(576000, 010006), entry(921600, 010007), entry(1000000, 010010), entry(1152000, 010011),
            entry(1500000, 010012), entry(2000000, 010013), entry(2500000, 010014), entry(3000000, 010015),
            entry(3500000, 010016), entry(4000000, 010017));

    private TtyModes() {
    }

    /** Applies each mode in opcode order. */
    static void apply(TerminalModes modes, Termios termios) {
        modes.byOpcode().forEach((opcode, value) -> apply(opcode, value, termios));
    }

    private static void apply(int opcode, int value, Termios termios) {
        Mode mode = MODES.get(opcode);
        if (mode != null && mode.field == null) {
            if (value >= 0 && value <= SSH_DISABLED) {
                termios.setControlChar(mode.index, value == SSH_DISABLED ? POSIX_VDISABLE : value);
            }
            return;
        }
        if (mode != null) {
            if (value == 0 || value == 1) {
                termios.setFlag(mode.field, mode.mask, value == 1);
            }
            return;
        }
        Integer speed = SPEEDS.get(value);
        if (speed != null && opcode == TTY_OP_ISPEED) {
            termios.setInputSpeed(speed);
        } else if (speed != null && opcode == TTY_OP_OSPEED) {
            termios.setOutputSpeed(speed);
        }
    }
}
