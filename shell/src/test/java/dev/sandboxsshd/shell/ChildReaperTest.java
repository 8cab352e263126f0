package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The one reaper, with real children: every status reaches its own process, however soon it ends. */
class ChildReaperTest {
    private static final List<PosixSpawn.Stdio> NULL_STDIO = List.of(PosixSpawn.Stdio.open("/dev/null", 0),
            PosixSpawn.Stdio.open("/dev/null", 1), PosixSpawn.Stdio.open("/dev/null", 2));

    private static ChildReaper.Child sh(String script) throws Exception {
        return ChildReaper.get().spawn(() -> PosixSpawn.spawn("/bin/sh", List.of("sh", "-c", script), Map.of(), NULL_STDIO));
    }

    private static ExitStatus exitOf(ChildReaper.Child child) throws Exception {
        return child.exit().get(20, TimeUnit.SECONDS);
    }

    @Test
    void childrenThatEndAtOnceEachGetTheirOwnExitCode() throws Exception {
        // `exit N` ends before posix_spawn has returned often enough: the registration must not lose it
        List<ChildReaper.Child> children = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            children.add(sh("exit " + (i % 256)));
        }
        for (int i = 0; i < children.size(); i++) {
            assertEquals(new ExitStatus(i % 256, 0, false), exitOf(children.get(i)), "child " + i);
        }
    }

    @Test
    void aSignalDeathKeepsTheSignal() throws Exception {
        assertEquals(new ExitStatus(0, 9, false), exitOf(sh("kill -KILL $$")));
    }

    @Test
    void aFailedExecIsReapedWithoutTakingAnotherChildsStatus() throws Exception {
        PosixSpawn.Failed failed = assertThrows(PosixSpawn.Failed.class, () -> ChildReaper.get().spawn(
                () -> PosixSpawn.spawn("/nonexistent/program", List.of("program"), Map.of(), NULL_STDIO)));
        assertEquals(2, failed.errno);
        assertEquals(new ExitStatus(7, 0, false), exitOf(sh("exit 7")));
    }

    @Test
    void anIdleReaperNoticesTheNextChildAtOnce() throws Exception {
        exitOf(sh("exit 0"));
        assertEquals(true, ChildReaper.get().awaitNoChildren(java.time.Duration.ofSeconds(5)), "no child left");
        long start = System.nanoTime();
        exitOf(sh("exit 0"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // an idle reaper waits up to 1 s for orphans, but a spawn wakes it
        assertEquals(true, millis < 900, "took " + millis + " ms");
    }
}
