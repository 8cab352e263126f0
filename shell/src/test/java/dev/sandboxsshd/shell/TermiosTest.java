package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.pty4j.unix.Pty;

import dev.sandboxsshd.shell.Termios.Flags;

/** The struct layout against the kernel's own: a fresh pseudo-terminal read, changed through its master, read again. */
class TermiosTest {
    private static final int ICANON = 02;
    private static final int ECHOCTL = 01000;
    private static final int ICRNL = 0400;
    private static final int ONLCR = 04;
    private static final int CBAUD = 010017;
    private static final int B38400 = 017;
    private static final int B9600 = 015;

    @Test
    void readsLinuxsDefaultsForANewTerminal() throws IOException {
        Pty pty = new Pty();
        try {
            Termios t = Termios.of(pty.getMasterFD());
            assertEquals(3, t.controlChar(0)); // VINTR ^C
            assertEquals(0177, t.controlChar(2)); // VERASE ^?
            assertEquals(4, t.controlChar(4)); // VEOF ^D
            assertEquals(1, t.controlChar(6)); // VMIN
            assertEquals(032, t.controlChar(10)); // VSUSP ^Z
            assertEquals(027, t.controlChar(14)); // VWERASE ^W
            assertEquals(ICRNL, t.flags(Flags.INPUT) & ICRNL);
            assertEquals(ONLCR, t.flags(Flags.OUTPUT) & ONLCR);
            assertEquals(B38400, t.flags(Flags.CONTROL) & CBAUD);
            assertEquals(ICANON | ECHOCTL, t.flags(Flags.LOCAL) & (ICANON | ECHOCTL));
        } finally {
            pty.close();
        }
    }

    @Test
    void modesSetThroughTheMasterAreTheTerminals() throws IOException {
        Pty pty = new Pty();
        try {
            Termios t = Termios.of(pty.getMasterFD());
            TtyModes.apply(TerminalModes.of(Map.of(1, 7, 3, 8, 60, 0, TtyModes.TTY_OP_ISPEED, 9600,
                    TtyModes.TTY_OP_OSPEED, 9600)), t);
            t.setOn(pty.getMasterFD());
            Termios read = Termios.of(pty.getMasterFD());
            assertEquals(7, read.controlChar(0));
            assertEquals(8, read.controlChar(2));
            assertEquals(0, read.flags(Flags.LOCAL) & ECHOCTL);
            assertEquals(ICANON, read.flags(Flags.LOCAL) & ICANON);
            assertEquals(B9600, read.flags(Flags.CONTROL) & CBAUD);
        } finally {
            pty.close();
        }
    }

    @Test
    void structIsSixtyBytes() {
        assertThrows(IllegalArgumentException.class, () -> new Termios(new byte[36]));
    }
}
