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
import java.util.List;
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
        // real and saved: the holder id, which the user can never have; effective and filesystem: the user
        int holder = UserIdentity.holderId();
        assertTrue(holder != 0 && holder != user.uid(), "holder " + holder);
        String uid = String.join("\t", Integer.toUnsignedString(holder), String.valueOf(user.uid()),
                Integer.toUnsignedString(holder), String.valueOf(user.uid()));
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
    void theHolderIsTheHighestMappedIdThatNoAccountOrGroupHas() {
        // the whole 32-bit range: -1 is no id, 4294967294 has no account
        assertEquals(0xFFFFFFFEL, Integer.toUnsignedLong(UserIdentity.chooseHolder(List.of(new long[] {0, 4294967295L}))));
        // a namespace of 65536 ids: 65535 is free (65534 would be, but is nobody)
        assertEquals(65535, UserIdentity.chooseHolder(List.of(new long[] {0, 65536})));
        assertEquals(65533, UserIdentity.chooseHolder(List.of(new long[] {0, 65535})));
        // root is never taken, nor an id with an account
        assertThrows(IllegalStateException.class,
                () -> UserIdentity.chooseHolder(List.of(new long[] {0, 1}, new long[] {user.uid(), 1})));
    }

    @Test
    void aSpawnedProcessIsWhollyTheUserWithItsEnvironmentAndStackLimitAsGiven() throws Exception {
        long[] limit = new long[2];
        assertEquals(0, LibC.INSTANCE.getrlimit(3, limit));
        String script = "grep -E '^(Uid|Gid|CapEff|CapPrm):' /proc/self/status; echo LD=$LD_LIBRARY_PATH TZDIR=$TZDIR;"
                + " ulimit -Ss; LD_SHOW_AUXV=1 /bin/true | grep AT_SECURE";
        UserProcess p = SpawnLauncher.forThisProcess().startPiped(new LaunchSpec(user, List.of("sh", "-c", script),
                Map.of("PATH", "/usr/bin:/bin", "LD_LIBRARY_PATH", "/opt/cuda/lib64", "TZDIR", "/tz"), Path.of("/"),
                false));
        p.stdin().close();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = p.stdout().read(buf)) > 0; ) {
            bytes.write(buf, 0, n);
        }
        String out = bytes.toString();
        p.closeStreams();
        assertEquals(0, p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS).code(), out);
        String u = user.uid() + "\t" + user.uid() + "\t" + user.uid() + "\t" + user.uid();
        assertTrue(out.contains("Uid:\t" + u + "\n"), out);
        assertTrue(out.contains("CapEff:\t0000000000000000\n"), out);
        assertTrue(out.contains("LD=/opt/cuda/lib64 TZDIR=/tz\n"), out);
        String stack = limit[0] == -1L ? "unlimited" : Long.toString(limit[0] / 1024);
        assertTrue(out.contains("\n" + stack + "\n"), out);
        assertTrue(out.matches("(?s).*AT_SECURE:\\s+0\n.*"), out);
    }

    @Test
    void aProgramThatCannotRunIsRefusedWithTheKernelsReason() throws Exception {
        SpawnLauncher launcher = SpawnLauncher.forThisProcess();
        LaunchRefused missing = assertThrows(LaunchRefused.class, () -> launcher.startPiped(
                new LaunchSpec(user, List.of("no-such-program-here"), Map.of("PATH", "/usr/bin:/nonexistent:/bin"),
                        Path.of("/"), false)));
        assertEquals("command not found", missing.reason());
        LaunchRefused shadow = assertThrows(LaunchRefused.class, () -> launcher.startPiped(
                new LaunchSpec(user, List.of("/etc/shadow"), Map.of(), Path.of("/"), false)));
        assertEquals(Errno.EPERM_REASON.equals("Operation not permitted") ? "Permission denied" : shadow.reason(),
                shadow.reason());
    }

    @Test
    void aWorkingDirectoryInTheDaemonsOwnProcIsRefusedAsPermissionDenied() throws Exception {
        SpawnLauncher launcher = SpawnLauncher.forThisProcess();
        long pid = ProcessHandle.current().pid();
        for (String dir : List.of("/proc/self/cwd", "/proc/thread-self/cwd", "/proc/" + pid + "/cwd",
                "/proc/" + pid + "/root/tmp")) {
            LaunchRefused refused = assertThrows(LaunchRefused.class, () -> launcher.startPiped(
                    new LaunchSpec(user, List.of("/bin/true"), Map.of(), Path.of(dir), false)), dir);
            assertEquals(LaunchRefused.Part.WORKING_DIRECTORY, refused.part(), dir);
            assertEquals(Errno.reason(Errno.EACCES), refused.reason(), dir);
        }
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
