package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Reads this machine's account database through libc, as the daemon does; root and its group are everywhere. */
class UserDatabaseTest {
    @Test
    void rootByNameAndByUid() {
        PosixUser root = UserDatabase.byName("root").orElseThrow();
        assertEquals(0, root.uid());
        assertEquals(0, root.gid());
        assertEquals(Path.of("/root"), root.home());
        assertTrue(root.groups().contains(0), root.groups().toString());
        assertEquals(root, UserDatabase.byUid(0).orElseThrow());
    }

    @Test
    void groupByIdAndByName() {
        assertEquals(Optional.of("root"), UserDatabase.groupName(0));
        assertEquals(Optional.of(0), UserDatabase.groupId("root"));
    }

    @Test
    void unknownOrMalformedNamesFindNothing() {
        assertEquals(Optional.empty(), UserDatabase.byName("no-such-user-sandbox-sshd"));
        assertEquals(Optional.empty(), UserDatabase.byName(""));
        assertEquals(Optional.empty(), UserDatabase.byName("root\0x"));
        assertEquals(Optional.empty(), UserDatabase.byName(null));
        assertEquals(Optional.empty(), UserDatabase.groupId("no-such-group-sandbox-sshd"));
        assertEquals(Optional.empty(), UserDatabase.byUid(2_000_000_000));
        assertEquals(Optional.empty(), UserDatabase.groupName(2_000_000_000));
    }
}
