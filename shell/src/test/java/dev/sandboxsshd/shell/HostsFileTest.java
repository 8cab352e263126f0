package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostsFileTest {
    private static final String DEBIAN = """
            127.0.0.1\tlocalhost
            ::1\t\tlocalhost ip6-localhost ip6-loopback
            ff02::1\t\tip6-allnodes
            """;
    private static final String OWN = "127.0.1.1\ttl-sbx\t# sandbox-sshd --set-hostname";

    @TempDir
    Path dir;

    @Test
    void aMissingNameGetsOneLineAtTheEndAndNothingElseChanges() {
        assertEquals(Optional.of(DEBIAN + OWN + "\n"), HostsFile.withName(DEBIAN, "tl-sbx"));
    }

    @Test
    void aFileWithoutTheLastNewlineKeepsItsLines() {
        assertEquals(Optional.of("127.0.0.1 localhost\n" + OWN + "\n"),
                HostsFile.withName("127.0.0.1 localhost", "tl-sbx"));
    }

    @Test
    void anEmptyFileGetsOnlyTheLine() {
        assertEquals(Optional.of(OWN + "\n"), HostsFile.withName("", "tl-sbx"));
    }

    @Test
    void itsOwnLineAlreadyThereChangesNothing() {
        assertEquals(Optional.empty(), HostsFile.withName(DEBIAN + OWN + "\n", "tl-sbx"));
    }

    @Test
    void aNameAnotherLineMapsIsLeftToThatLine() {
        String docker = DEBIAN + "172.17.0.2\tabc123 TL-SBX.example tl-sbx\n";
        assertEquals(Optional.empty(), HostsFile.withName(docker, "tl-sbx"));
        assertEquals(Optional.empty(), HostsFile.withName("127.0.1.1 Tl-Sbx\n", "tl-sbx"), "any case, as glibc");
    }

    @Test
    void aCommentedOrPartialMentionDoesNotCount() {
        String text = "# 127.0.1.1 tl-sbx\n10.0.0.1 tl-sbx2 # tl-sbx\n";
        assertEquals(Optional.of(text + OWN + "\n"), HostsFile.withName(text, "tl-sbx"));
    }

    @Test
    void itsLineForAnotherNameIsReplacedWhereItStands() {
        String before = "127.0.0.1 localhost\n127.0.1.1\told-name\t# sandbox-sshd --set-hostname\n::1 localhost\n";
        assertEquals(Optional.of("127.0.0.1 localhost\n" + OWN + "\n::1 localhost\n"),
                HostsFile.withName(before, "tl-sbx"));
    }

    @Test
    void itsLineIsDroppedWhenAnotherLineMapsTheNameAndDuplicatesGo() {
        String stale = "127.0.1.1\told\t# sandbox-sshd --set-hostname\n";
        assertEquals(Optional.of("10.1.2.3 tl-sbx\n"), HostsFile.withName(stale + "10.1.2.3 tl-sbx\n", "tl-sbx"));
        assertEquals(Optional.of(OWN + "\n127.0.0.1 localhost\n"),
                HostsFile.withName(OWN + "\n127.0.0.1 localhost\n" + OWN + "\n", "tl-sbx"));
    }

    @Test
    void ensureReplacesTheFileKeepingItsModeAndLeavesNoTemporaryFile() throws Exception {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, DEBIAN);
        Files.setPosixFilePermissions(hosts, PosixFilePermissions.fromString("rw-r--r--"));
        HostsFile.Outcome outcome = HostsFile.ensure(hosts, "tl-sbx");
        assertTrue(outcome.changed(), outcome.detail());
        assertEquals(DEBIAN + OWN + "\n", Files.readString(hosts));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(hosts)));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
        HostsFile.Outcome again = HostsFile.ensure(hosts, "tl-sbx");
        assertFalse(again.changed(), again.detail());
    }

    @Test
    void ensureCreatesAMissingFile() throws Exception {
        Path hosts = dir.resolve("hosts");
        assertTrue(HostsFile.ensure(hosts, "tl-sbx").changed());
        assertEquals(OWN + "\n", Files.readString(hosts));
    }

    @Test
    void mountinfoPathsAreUnescaped() {
        assertEquals("/etc/a b\\c", HostsFile.unescapeMountPath("/etc/a\\040b\\134c"));
        assertEquals("/etc/hosts", HostsFile.unescapeMountPath("/etc/hosts"));
        assertTrue(HostsFile.isMountPoint(Path.of("/")));
        assertFalse(HostsFile.isMountPoint(dir.resolve("hosts")));
    }
}
