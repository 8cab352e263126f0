package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sandboxsshd.shell.Termios.Flags;

class TtyModesTest {
    private static final int B9600 = 015;
    private static final int B115200 = 010002;

    /** Linux's defaults for a new pseudo-terminal, as a client-less sshd leaves them. */
    private static Termios kernelDefaults() {
        Termios t = new Termios(new byte[Termios.SIZE]);
        t.setFlag(Flags.INPUT, 0000400 | 0002000, true); // ICRNL IXON
        t.setFlag(Flags.OUTPUT, 0000001 | 0000004, true); // OPOST ONLCR
        t.setFlag(Flags.CONTROL, 0000060 | 0000200 | 017, true); // CS8 CREAD B38400
        t.setFlag(Flags.LOCAL, 0000001 | 0000002 | 0000010 | 0000020 | 0000040 | 0001000 | 0004000 | 0100000, true);
        t.setControlChar(0, 3); // ^C
        t.setControlChar(2, 0177); // ^?
        return t;
    }

    private static Termios applied(Map<Integer, Integer> modes) {
        Termios t = kernelDefaults();
        TtyModes.apply(TerminalModes.of(modes), t);
        return t;
    }

    @Test
    void controlCharactersGoToLinuxsIndexes() {
        Termios t = applied(Map.ofEntries(Map.entry(1, 7), Map.entry(2, 034), Map.entry(3, 8), Map.entry(4, 030),
                Map.entry(5, 4), Map.entry(6, 1), Map.entry(7, 2), Map.entry(8, 021), Map.entry(9, 023),
                Map.entry(10, 032), Map.entry(12, 022), Map.entry(13, 027), Map.entry(14, 026), Map.entry(18, 017)));
        int[] cc = new int[17];
        for (int i = 0; i < cc.length; i++) {
            cc[i] = t.controlChar(i);
        }
        // VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC VSTART VSTOP VSUSP VEOL VREPRINT VDISCARD VWERASE VLNEXT VEOL2
        assertArrayEquals(new int[] {7, 034, 8, 030, 4, 0, 0, 0, 021, 023, 032, 1, 022, 017, 027, 026, 2}, cc);
    }

    @Test
    void twoHundredFiftyFiveDisablesACharacter() {
        assertEquals(0, applied(Map.of(1, 255)).controlChar(0));
    }

    @Test
    void characterOutOfRangeIsIgnored() {
        Termios t = applied(Map.of(1, 0x147, 3, -1));
        assertEquals(3, t.controlChar(0));
        assertEquals(0177, t.controlChar(2));
    }

    @Test
    void flagsAreSetByOneAndClearedByZero() {
        Termios t = applied(Map.of(36, 0, 39, 1, 42, 1, 53, 0, 60, 0, 72, 0, 71, 1, 93, 1));
        assertEquals(0002000 | 0004000 | 0040000, t.flags(Flags.INPUT)); // -icrnl ixon ixany iutf8
        assertEquals(0000001 | 0000002, t.flags(Flags.OUTPUT)); // opost olcuc -onlcr
        assertEquals(0001000 | 0000060 | 0000200 | 017, t.flags(Flags.CONTROL)); // parodd
        // -echo -echoctl, the rest kept
        assertEquals(0000001 | 0000002 | 0000020 | 0000040 | 0004000 | 0100000, t.flags(Flags.LOCAL));
    }

    @Test
    void everyFlagOpcodeHasItsLinuxBit() {
        int[][] iflag = {{30, 04}, {31, 010}, {32, 020}, {33, 040}, {34, 0100}, {35, 0200}, {36, 0400}, {37, 01000},
            {38, 02000}, {39, 04000}, {40, 010000}, {41, 020000}, {42, 040000}};
        int[][] lflag = {{50, 01}, {51, 02}, {52, 04}, {53, 010}, {54, 020}, {55, 040}, {56, 0100}, {57, 0200},
            {58, 0400}, {59, 0100000}, {60, 01000}, {61, 04000}, {62, 040000}};
        int[][] oflag = {{70, 01}, {71, 02}, {72, 04}, {73, 010}, {74, 020}, {75, 040}};
        int[][] cflag = {{90, 040}, {91, 060}, {92, 0400}, {93, 01000}};
        assertBits(Flags.INPUT, iflag);
        assertBits(Flags.LOCAL, lflag);
        assertBits(Flags.OUTPUT, oflag);
        assertBits(Flags.CONTROL, cflag);
    }

    private static void assertBits(Flags field, int[][] opcodeAndBit) {
        for (int[] ob : opcodeAndBit) {
            Termios on = new Termios(new byte[Termios.SIZE]);
            TtyModes.apply(TerminalModes.of(Map.of(ob[0], 1)), on);
            assertEquals(ob[1], on.flags(field), "opcode " + ob[0]);
            Termios off = new Termios(new byte[Termios.SIZE]);
            off.setFlag(field, -1, true);
            TtyModes.apply(TerminalModes.of(Map.of(ob[0], 0)), off);
            assertEquals(~ob[1], off.flags(field), "opcode " + ob[0]);
        }
    }

    @Test
    void flagValueOtherThanZeroOrOneIsIgnored() {
        Termios t = applied(Map.of(53, 2, 39, -1));
        assertEquals(kernelDefaults().flags(Flags.LOCAL), t.flags(Flags.LOCAL));
        assertEquals(kernelDefaults().flags(Flags.INPUT), t.flags(Flags.INPUT));
    }

    /**
     * CS7 is one bit of CS8, and sshd sets or clears each as a mask, CS7 first: OpenSSH's client sends both as 1 from
     * a cs8 (and a cs7) terminal, which gives cs8. Linux then keeps a pseudo-terminal at cs8 whatever it is given.
     */
    @Test
    void cs7AndCs8AreMasksAppliedInOpcodeOrderAsSshdDoes() {
        int csize = 060;
        assertEquals(060, applied(Map.of(90, 1, 91, 1)).flags(Flags.CONTROL) & csize);
        assertEquals(060, applied(Map.of(90, 0, 91, 1)).flags(Flags.CONTROL) & csize);
        assertEquals(0, applied(Map.of(90, 1, 91, 0)).flags(Flags.CONTROL) & csize);
    }

    @Test
    void speedsAreNotedAsGlibcsConstants() {
        Termios t = applied(Map.of(TtyModes.TTY_OP_ISPEED, 9600, TtyModes.TTY_OP_OSPEED, 115200));
        assertEquals(B9600, t.inputSpeed());
        assertEquals(B115200, t.outputSpeed());
    }

    @Test
    void unknownSpeedIsIgnored() {
        Termios t = applied(Map.of(TtyModes.TTY_OP_ISPEED, 9601, TtyModes.TTY_OP_OSPEED, -9600));
        assertEquals(-1, t.inputSpeed());
        assertEquals(-1, t.outputSpeed());
    }

    /** Modes Linux has no such thing for (VDSUSP VFLUSH VSWTCH VSTATUS) and opcodes nobody defined change nothing. */
    @Test
    void opcodesWithoutALinuxModeAreIgnored() {
        Termios t = applied(Map.of(11, 1, 15, 1, 16, 1, 17, 1, 19, 1, 43, 1, 100, 1, 130, 9600));
        Termios d = kernelDefaults();
        for (Flags f : Flags.values()) {
            assertEquals(d.flags(f), t.flags(f), f.name());
        }
        for (int i = 0; i < Termios.NCCS; i++) {
            assertEquals(d.controlChar(i), t.controlChar(i), "c_cc[" + i + "]");
        }
        assertEquals(-1, t.inputSpeed());
        assertEquals(-1, t.outputSpeed());
    }
}
