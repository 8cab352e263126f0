package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our own procfs refused by the object reached, on the openat2 path and on the component walk. */
class OwnProcfsTest {
    @TempDir
    Path dir;

    interface Opener {
        int open(String path, boolean follow) throws IOException;
    }

    private static final Opener OPENAT2 = OwnProcfs::open;
    private static final Opener WALK = OwnProcfs::walk;

    @Test
    void refusesOurOwnProcessByAnyPath() throws IOException {
        for (Opener o : List.of(OPENAT2, WALK)) {
            long pid = ProcessHandle.current().pid();
            String otherThread = otherTaskId();
            Files.createSymbolicLink(dir.resolve("env" + o.hashCode()), Path.of("/proc/self/environ"));
            Files.createSymbolicLink(dir.resolve("cwd" + o.hashCode()), Path.of("/proc/" + pid + "/cwd"));
            for (String path : List.of("/proc/self/environ", "/proc/thread-self/comm", "/proc/" + pid + "/maps",
                    "/proc/" + otherThread + "/status", "/proc/" + pid + "/task/" + otherThread + "/comm",
                    "/proc/self/cwd/pom.xml", "/proc/self/fd/0", "/proc/self/fd", "/proc/self",
                    "/proc/self/root/etc/passwd", "/proc/thread-self/cwd", "/proc/self/exe", "/proc/net/dev",
                    dir.resolve("env" + o.hashCode()).toString(), dir.resolve("cwd" + o.hashCode()) + "/pom.xml",
                    "/proc/self/../" + pid + "/environ")) {
                assertThrows(OwnProcfs.Refused.class, () -> OwnProcfs.close(o.open(path, true)), path);
            }
            for (String path : List.of("/proc/self/fd/0", "/proc/self/cwd", "/proc/" + pid)) {
                assertThrows(OwnProcfs.Refused.class, () -> OwnProcfs.close(o.open(path, false)), path);
            }
        }
    }

    @Test
    void leavesEverythingElseToTheKernel() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        Files.createSymbolicLink(dir.resolve("l"), Path.of("f"));
        Files.createSymbolicLink(dir.resolve("loop"), Path.of("loop"));
        for (Opener o : List.of(OPENAT2, WALK)) {
            for (String path : List.of("/proc/1/status", "/proc/meminfo", "/proc", "/etc/passwd", dir + "/l",
                    dir + "/./f", dir + "/../" + dir.getFileName() + "/f")) {
                OwnProcfs.close(o.open(path, true));
            }
            OwnProcfs.close(o.open("/proc/self", false)); // the link itself, not our process
            int link = o.open(dir + "/l", false);
            try {
                assertTrue(Files.isSymbolicLink(Path.of(OwnProcfs.fdPath(link))));
            } finally {
                OwnProcfs.close(link);
            }
            assertThrows(NoSuchFileException.class, () -> o.open(dir + "/nope", true));
            FileSystemException loop = assertThrows(FileSystemException.class, () -> o.open(dir + "/loop", true));
            assertEquals(Errno.reason(Errno.ELOOP), loop.getReason());
            FileSystemException notDir = assertThrows(FileSystemException.class, () -> o.open(dir + "/f/x", true));
            assertEquals(Errno.reason(Errno.ENOTDIR), notDir.getReason());
        }
    }

    @Test
    void placesNamesBelowAnyProcfsMount() {
        List<String[]> mounts = List.of(new String[] {"/proc", "/"}, new String[] {"/mnt/p", "/"},
                new String[] {"/srv/one", "/123"});
        assertEquals("/12/environ", OwnProcfs.belowProcfs("/proc/12/environ", mounts));
        assertEquals("/7/maps", OwnProcfs.belowProcfs("/mnt/p/7/maps", mounts));
        assertEquals("/123/environ", OwnProcfs.belowProcfs("/srv/one/environ", mounts));
        assertEquals(null, OwnProcfs.belowProcfs("/procx/1", mounts));
        assertEquals("123", OwnProcfs.firstComponent("/123/environ"));
        assertEquals("", OwnProcfs.firstComponent(""));
    }

    private static String otherTaskId() throws IOException {
        String pid = String.valueOf(ProcessHandle.current().pid());
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(p -> p.getFileName().toString()).filter(t -> !t.equals(pid)).findFirst().orElseThrow();
        }
    }
}
