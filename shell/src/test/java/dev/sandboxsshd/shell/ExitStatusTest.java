package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** waitpid statuses as Linux encodes them (exit code in bits 8-15; signal in 0-6, core dump bit 7). */
class ExitStatusTest {
    private static final int SIGKILL = 9;
    private static final int SIGSEGV = 11;
    private static final int CORE_DUMPED = 0x80;

    @Test
    void anExitCodeIsTheSecondByte() {
        assertEquals(new ExitStatus(0, 0, false), ExitStatus.fromWaitStatus(0));
        assertEquals(new ExitStatus(3, 0, false), ExitStatus.fromWaitStatus(3 << 8));
        ExitStatus highest = ExitStatus.fromWaitStatus(255 << 8);
        assertEquals(255, highest.exitCode());
        assertEquals(255, highest.code());
        assertFalse(highest.killedBySignal());
    }

    @Test
    void aSignalShowsAs128PlusItsNumber() {
        ExitStatus killed = ExitStatus.fromWaitStatus(SIGKILL);
        assertTrue(killed.killedBySignal());
        assertEquals(SIGKILL, killed.signal());
        assertEquals(0, killed.exitCode());
        assertFalse(killed.coreDumped());
        assertEquals(137, killed.code());
    }

    @Test
    void aCoreDumpIsNotedApartFromTheSignal() {
        ExitStatus segv = ExitStatus.fromWaitStatus(SIGSEGV | CORE_DUMPED);
        assertEquals(new ExitStatus(0, SIGSEGV, true), segv);
        assertEquals(139, segv.code());
    }
}
