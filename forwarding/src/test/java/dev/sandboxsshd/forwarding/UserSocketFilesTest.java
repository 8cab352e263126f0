package dev.sandboxsshd.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserDatabase;

/** Staging names and refusal words; then real sockets made as tl-user in a directory of theirs (needs root). */
class UserSocketFilesTest {
    private static final int MAX_SOCKET_PATH_BYTES = 107;
    private Path directory;

    @AfterEach
    void removeDirectory() throws IOException {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void theStagingNameIsHiddenNextToTheTargetAndFitsASocketAddress() {
        Path target = Path.of("/tmp/agent.sock");
        Path staging = UserSocketFiles.stagingPathFor(target);
        assertEquals(target.getParent(), staging.getParent());
        assertTrue(staging.getFileName().toString().matches("\\.[0-9a-f]{16}"), staging.toString());
        assertNotEquals(staging, UserSocketFiles.stagingPathFor(target));

        Path deep = Path.of("/" + "d".repeat(MAX_SOCKET_PATH_BYTES - 12), "s.sock"); // 101 bytes of directory
        assertTrue(bytes(deep) <= MAX_SOCKET_PATH_BYTES);
        Path tight = UserSocketFiles.stagingPathFor(deep);
        assertTrue(bytes(tight) <= MAX_SOCKET_PATH_BYTES, tight + ": " + bytes(tight));
        assertTrue(tight.getFileName().toString().length() >= 5, "a dot and at least 4 random characters");
    }

    @Test
    void theKernelsWordsAreTheReason() {
        assertEquals("Permission denied",
                UserSocketFiles.describe(new AccessDeniedException("/x", null, "Permission denied")));
        assertEquals("AccessDeniedException", UserSocketFiles.describe(new AccessDeniedException("/x")));
        assertEquals("Address already in use", UserSocketFiles.describe(new IOException("Address already in use")));
        assertEquals("IOException", UserSocketFiles.describe(new IOException()));
    }

    @Test
    void aSocketIsTheUsersAndMode0600AtItsPath() throws Exception {
        PosixUser user = userDirectory();
        Path path = directory.resolve("fwd.sock");
        UserSocketFiles.Bound bound = UserSocketFiles.bind(user, path.toString(), false);
        try {
            assertEquals(user.uid(), Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
            try (Stream<Path> files = Files.list(directory)) {
                assertEquals(1, files.count(), "no staging name left behind");
            }
        } finally {
            bound.socket().close();
        }
        UserSocketFiles.remove(user, bound);
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void anExistingPathIsKeptUnlessUnlinkIsOn() throws Exception {
        PosixUser user = userDirectory();
        Path path = directory.resolve("taken");
        Files.writeString(path, "the user's file");
        FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class,
                () -> UserSocketFiles.bind(user, path.toString(), false));
        assertEquals("path exists and --stream-local-bind-unlink is off", UserSocketFiles.describe(refused));
        assertEquals("the user's file", Files.readString(path));

        UserSocketFiles.Bound bound = UserSocketFiles.bind(user, path.toString(), true);
        bound.socket().close();
        assertTrue(Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer mode
                && (mode & 0170000) == 0140000, "a socket now");
        UserSocketFiles.remove(user, bound);
    }

    @Test
    void removalLeavesAFileThatTookThePathSince() throws Exception {
        PosixUser user = userDirectory();
        Path path = directory.resolve("fwd.sock");
        UserSocketFiles.Bound bound = UserSocketFiles.bind(user, path.toString(), false);
        bound.socket().close();
        Files.delete(path);
        Files.writeString(path, "new");
        UserSocketFiles.remove(user, bound);
        assertEquals("new", Files.readString(path));
    }

    @Test
    void whereTheUserMayNotCreateFilesTheKernelSaysNo() throws Exception {
        PosixUser user = userDirectory();
        Path rootOwned = Files.createDirectory(directory.resolve("root-owned"));
        IOException e = assertThrows(IOException.class,
                () -> UserSocketFiles.bind(user, rootOwned.resolve("fwd.sock").toString(), false));
        assertEquals("Permission denied", UserSocketFiles.describe(e));
        try (Stream<Path> files = Files.list(rootOwned)) {
            assertEquals(0, files.count());
        }
    }

    /** tl-user, and a fresh directory of theirs for sockets (skipped without root or the account, as CI has both). */
    private PosixUser userDirectory() throws IOException {
        assumeTrue(UserDatabase.runningAsRoot(), "needs root, as CI runs");
        PosixUser user = UserDatabase.byName("tl-user").orElse(null);
        assumeTrue(user != null, "needs the tl-user account (.ci/run creates it)");
        directory = Files.createTempDirectory(Path.of("/tmp"), "usersocketfiles");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(directory, "unix:uid", user.uid());
        return user;
    }

    private static int bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
