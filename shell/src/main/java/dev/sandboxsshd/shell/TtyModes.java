package dev.sandboxsshd.shell;

import static java.util.Map.entry;

import java.util.Map;

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

    private record Flag(Flags field, int mask) {
    }

    /** Opcode to c_cc index. */
    private static final Map<Integer, Integer> CHARACTERS = Map.ofEntries(
            entry(1, 0), // VINTR
            entry(2, 1), // VQUIT
            entry(3, 2), // VERASE
            entry(4, 3), // VKILL
            entry(5, 4), // VEOF
            entry(6, 11), // VEOL
            entry(7, 16), // VEOL2
            entry(8, 8), // VSTART
            entry(9, 9), // VSTOP
            entry(10, 10), // VSUSP
            entry(12, 12), // VREPRINT
            entry(13, 14), // VWERASE
            entry(14, 15), // VLNEXT
            entry(18, 13)); // VDISCARD

    private static final Map<Integer, Flag> FLAGS = Map.ofEntries(
            entry(30, new Flag(Flags.INPUT, 0000004)), // IGNPAR
            entry(31, new Flag(Flags.INPUT, 0000010)), // PARMRK
            entry(32, new Flag(Flags.INPUT, 0000020)), // INPCK
            entry(33, new Flag(Flags.INPUT, 0000040)), // ISTRIP
            entry(34, new Flag(Flags.INPUT, 0000100)), // INLCR
            entry(35, new Flag(Flags.INPUT, 0000200)), // IGNCR
            entry(36, new Flag(Flags.INPUT, 0000400)), // ICRNL
            entry(37, new Flag(Flags.INPUT, 0001000)), // IUCLC
            entry(38, new Flag(Flags.INPUT, 0002000)), // IXON
            entry(39, new Flag(Flags.INPUT, 0004000)), // IXANY
            entry(40, new Flag(Flags.INPUT, 0010000)), // IXOFF
            entry(41, new Flag(Flags.INPUT, 0020000)), // IMAXBEL
            entry(42, new Flag(Flags.INPUT, 0040000)), // IUTF8
            entry(50, new Flag(Flags.LOCAL, 0000001)), // ISIG
            entry(51, new Flag(Flags.LOCAL, 0000002)), // ICANON
            entry(52, new Flag(Flags.LOCAL, 0000004)), // XCASE
            entry(53, new Flag(Flags.LOCAL, 0000010)), // ECHO
            entry(54, new Flag(Flags.LOCAL, 0000020)), // ECHOE
            entry(55, new Flag(Flags.LOCAL, 0000040)), // ECHOK
            entry(56, new Flag(Flags.LOCAL, 0000100)), // ECHONL
            entry(57, new Flag(Flags.LOCAL, 0000200)), // NOFLSH
            entry(58, new Flag(Flags.LOCAL, 0000400)), // TOSTOP
            entry(59, new Flag(Flags.LOCAL, 0100000)), // IEXTEN
            entry(60, new Flag(Flags.LOCAL, 0001000)), // ECHOCTL
            entry(61, new Flag(Flags.LOCAL, 0004000)), // ECHOKE
            entry(62, new Flag(Flags.LOCAL, 0040000)), // PENDIN
            entry(70, new Flag(Flags.OUTPUT, 0000001)), // OPOST
            entry(71, new Flag(Flags.OUTPUT, 0000002)), // OLCUC
            entry(72, new Flag(Flags.OUTPUT, 0000004)), // ONLCR
            entry(73, new Flag(Flags.OUTPUT, 0000010)), // OCRNL
            entry(74, new Flag(Flags.OUTPUT, 0000020)), // ONOCR
            entry(75, new Flag(Flags.OUTPUT, 0000040)), // ONLRET
            // sshd's bit arithmetic, kept: CS8 is both bits of CSIZE, CS7 one of them (Linux keeps ptys at CS8 anyway)
            entry(90, new Flag(Flags.CONTROL, 0000040)), // CS7
            entry(91, new Flag(Flags.CONTROL, 0000060)), // CS8
            entry(92, new Flag(Flags.CONTROL, 0000400)), // PARENB
            entry(93, new Flag(Flags.CONTROL, 0001000))); // PARODD

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
        Integer index = CHARACTERS.get(opcode);
        if (index != null) {
            if (value >= 0 && value <= SSH_DISABLED) {
                termios.setControlChar(index, value == SSH_DISABLED ? POSIX_VDISABLE : value);
            }
            return;
        }
        Flag flag = FLAGS.get(opcode);
        if (flag != null) {
            if (value == 0 || value == 1) {
                termios.setFlag(flag.field(), flag.mask(), value == 1);
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
