package dev.sandboxsshd.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class HomeRelativePathsTest {
    private static final FileSystem FS = FileSystems.getDefault();
    private static final Path HOME = Path.of("/home/alice");

    @Test
    void relativePathsAreUnderHomeAndAbsoluteOnesStay() {
        assertEquals(HOME.resolve("a/b"), HomeRelativePaths.resolve(FS, HOME, "a/b"));
        assertEquals(HOME.resolve(".."), HomeRelativePaths.resolve(FS, HOME, ".."), "the kernel decides, not us");
        assertEquals(Path.of("/etc/hosts"), HomeRelativePaths.resolve(FS, HOME, "/etc/hosts"));
        assertEquals(HOME, HomeRelativePaths.resolve(FS, HOME, ""));
        assertEquals(HOME, HomeRelativePaths.resolve(FS, HOME, null));
        assertTrue(HomeRelativePaths.resolve(FS, HOME, "x").isAbsolute());
    }

    @Test
    void aNulByteIsRefused() {
        InvalidPathException e = assertThrows(InvalidPathException.class,
                () -> HomeRelativePaths.resolve(FS, HOME, "a\0b"));
        assertEquals("path contains a NUL byte", e.getReason());
    }

    @Test
    void aTildeIsAHomeAsAShellExpandsIt() {
        assertEquals(HOME, HomeRelativePaths.expand(FS, HOME, "~"));
        assertEquals(HOME, HomeRelativePaths.expand(FS, HOME, "~/"));
        assertEquals(HOME.resolve("x/y"), HomeRelativePaths.expand(FS, HOME, "~/x/y"));
        assertEquals(Path.of("/root"), HomeRelativePaths.expand(FS, HOME, "~root"));
        assertEquals(Path.of("/root/x"), HomeRelativePaths.expand(FS, HOME, "~root/x"));
    }

    @Test
    void onlyALeadingTildeIsExpanded() {
        assertEquals(HOME.resolve("a/~"), HomeRelativePaths.expand(FS, HOME, "a/~"));
        assertEquals(Path.of("/~root"), HomeRelativePaths.expand(FS, HOME, "/~root"));
        assertEquals(HOME.resolve("x"), HomeRelativePaths.expand(FS, HOME, "x"));
        assertEquals(HOME, HomeRelativePaths.expand(FS, HOME, null));
    }

    @Test
    void anUnknownUserIsRefused() {
        InvalidPathException e = assertThrows(InvalidPathException.class,
                () -> HomeRelativePaths.expand(FS, HOME, "~no-such-user-sandbox-sshd/x"));
        assertEquals("no such user: no-such-user-sandbox-sshd", e.getReason());
    }
}
