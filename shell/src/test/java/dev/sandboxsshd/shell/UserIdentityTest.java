package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The identity switch, read back from the kernel's own view of the thread. Needs root and tl-user (as CI has). */
class UserIdentityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private PosixUser user;

    @BeforeEach
    void needsRootAndTheBackendUser() {
        assumeTrue(UserDatabase.runningAsRoot(), "needs root, as CI runs");
        user = UserDatabase.byName("tl-user").orElse(null);
        assumeTrue(user != null, "needs the tl-user account (.ci/run creates it)");
    }

    @Test
    void theThreadIsTheUserWithNoCapabilitiesAndTheCallerStaysRoot() throws Exception {
        Map<String, String> status = UserIdentity.runAs(user, "test", WAIT, UserIdentityTest::threadStatus);
        String uid = String.join("\t", String.valueOf(user.uid()), String.valueOf(user.uid()),
                String.valueOf(user.uid()), String.valueOf(user.uid()));
        String gid = String.join("\t", String.valueOf(user.gid()), String.valueOf(user.gid()),
                String.valueOf(user.gid()), String.valueOf(user.gid()));
        assertEquals(uid, status.get("Uid"));
        assertEquals(gid, status.get("Gid"));
        assertEquals(user.groups().stream().sorted().map(String::valueOf).collect(Collectors.joining(" ")),
                status.get("Groups"));
        assertEquals("0000000000000000", status.get("CapEff"));
        assertEquals("0000000000000000", status.get("CapPrm"));

        Map<String, String> mine = threadStatus();
        assertTrue(mine.get("Uid").startsWith("0\t0\t0\t0"), mine.get("Uid"));
        assertTrue(!mine.get("CapEff").equals("0000000000000000"), "the calling thread keeps root's capabilities");
    }

    @Test
    void theKernelRefusesTheUserWhatItRefusesTheirShell() {
        IOException e = assertThrows(IOException.class,
                () -> UserIdentity.runAs(user, "test", WAIT, () -> Files.readString(Path.of("/etc/shadow"))));
        assertTrue(e instanceof AccessDeniedException, e.toString());
    }

    @Test
    void aThreadThatIsTheUserCanNeverBecomeRootOrAnotherUser() throws Exception {
        PosixUser root = UserDatabase.byUid(0).orElseThrow();
        String refusal = UserIdentity.runAs(user, "test", WAIT, () -> {
            try {
                UserIdentity.adopt(root);
                return "became root";
            } catch (IllegalStateException expected) {
                return expected.getMessage();
            }
        });
        assertTrue(refusal.contains("this thread is uid " + user.uid()), refusal);
        // a thread made by such a thread inherits the user's credentials, so it cannot take root's either
        IOException nested = assertThrows(IOException.class, () -> UserIdentity.runAs(user, "outer", WAIT,
                () -> UserIdentity.runAs(root, "inner", WAIT, () -> "ran as root")));
        assertTrue(nested.getMessage().contains("this thread is uid " + user.uid()), nested.getMessage());
    }

    @Test
    void eachThreadHasItsOwnWorkingDirectoryAndSshdsUmask() throws Exception {
        String processCwd = Path.of("/proc/self/cwd").toRealPath().toString();
        String seen = UserIdentity.runAs(user, "test", WAIT, () -> {
            if (LibC.INSTANCE.chdir("/") != 0) {
                throw new IOException("chdir failed");
            }
            return Path.of("/proc/thread-self/cwd").toRealPath() + " " + threadStatus().get("Umask");
        });
        assertEquals("/ 0022", seen);
        assertEquals(processCwd, Path.of("/proc/self/cwd").toRealPath().toString(), "the process's own is untouched");
    }

    private static Map<String, String> threadStatus() throws IOException {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.indexOf(':') > 0)
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).strip(),
                        (a, b) -> a));
    }
}
