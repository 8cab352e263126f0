package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An sshfs mount of a directory of the user's, used as people use one: files written, appended, renamed and linked,
 * modes and times set, a source tree copied, tarred and committed with git. Every case runs on our daemon and on
 * OpenSSH's sshd with its sftp-server (the reference: what a case expects is what sftp-server answers).
 *
 * <p>The mount is the user's login (tl-user's key, tl-user's files) and every command on it runs as the user, but
 * sshfs itself runs as root: FUSE's device is root's alone in these containers ({@code /dev/fuse} 0600), and
 * libfuse only falls back to the setuid fusermount3 when mount(2) fails, not when the device cannot be opened. So
 * sshfs mounts with {@code allow_other}, inside a mount namespace of its own (nothing of the machine's mount
 * table changes, and a test that dies leaves no mount behind); the user's commands enter that namespace. The mount
 * is of a path relative to the home directory ({@code host:dir}), as people write it, so sshfs sends relative
 * paths.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SshfsIT {
    static final String OURS = BothServers.OURS;
    static final String OPENSSH = BothServers.OPENSSH;
    private static final Path FUSE = Path.of("/dev/fuse");
    private static final Duration MOUNT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static BothServers servers;
    static Path tree;
    static final Map<String, Mount> mounts = new LinkedHashMap<>();
    /** Why FUSE cannot mount here, once a mount has shown it. */
    static String noFuse;

    /** One running sshfs: its process (in its own mount namespace), where it is mounted, and the remote directory. */
    record Mount(Process sshfs, Path point, String remote, OpenSsh ssh, Path log) {
        /** Unmounts with fusermount3 -u and waits for sshfs to exit; kills it (and its ssh) by pid if it has not. */
        int unmount() throws Exception {
            int status = -1;
            if (sshfs.isAlive()) {
                status = OpenSsh.exec(List.of("nsenter", "--mount=/proc/" + sshfs.pid() + "/ns/mnt", "--",
                        "fusermount3", "-u", point.toString()), null, null).exit();
                try {
                    Await.until("sshfs to exit after fusermount3 -u", Duration.ofSeconds(20), () -> !sshfs.isAlive());
                } catch (AssertionError e) {
                    status = -2;
                }
            }
            DaemonProcess.killTree(sshfs.toHandle());
            return status;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestUser.ROOT, TestUser.NOT_ROOT);
        assumeTrue(Files.exists(FUSE), "no " + FUSE + " here (a container without the fuse device): sshfs cannot mount");
        servers = BothServers.start(dir);
        tree = RealClients.sourceTree(dir.resolve("tree"), 200);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (Mount m : mounts.values()) {
                m.unmount();
                TransferFixture.cleanup(m.ssh(), m.remote());
            }
        } finally {
            if (servers != null) {
                servers.close();
            }
        }
    }

    /** The server's mount, made on first use. */
    static synchronized Mount mount(String server) throws Exception {
        assumeTrue(noFuse == null, noFuse);
        Mount existing = mounts.get(server);
        if (existing != null) {
            return existing;
        }
        OpenSsh ssh = servers.client(server);
        String remote = TransferFixture.remoteScratch(ssh, "sshfs-" + server);
        String relative = remote.substring(remote.lastIndexOf('/') + 1);
        Path point = Files.createDirectories(dir.resolve(server + "-mnt"));
        OpenSshServer.letOthersSearch(point);
        Path log = dir.resolve(server + "-sshfs.log");
        List<String> argv = List.of("unshare", "--mount", "--propagation", "private", "--",
                "sshfs", "-f", "-o", "allow_other", "-o", "ssh_command=" + ssh.rsh(),
                ssh.user + "@127.0.0.1:" + relative, point.toString());
        Process sshfs = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Mount m = new Mount(sshfs, point, remote, ssh, log);
        mounts.put(server, m);
        Await.until("sshfs to mount " + point, MOUNT, () -> !sshfs.isAlive() || mounted(sshfs.pid(), point));
        if (!sshfs.isAlive()) {
            String out = Files.readString(log);
            if (out.startsWith("fuse:") || out.contains("fusermount")) {
                noFuse = "FUSE cannot mount here: " + out.strip();
                assumeTrue(false, noFuse);
            }
            throw new AssertionError("sshfs exited with " + sshfs.exitValue() + ": " + out);
        }
        return m;
    }

    private static boolean mounted(long pid, Path point) throws IOException {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                    .anyMatch(l -> l.contains(" " + point + " ") && l.contains(" fuse.sshfs "));
        } catch (IOException gone) {
            return false;
        }
    }

    /** Runs a shell script as the user in the server's mount (its working directory, umask 022). */
    static OpenSsh.Result on(String server, String script) throws Exception {
        Mount m = mount(server);
        List<String> argv = new ArrayList<>(List.of("nsenter", "--mount=/proc/" + m.sshfs().pid() + "/ns/mnt", "--"));
        argv.addAll(RealClients.asUser(List.of("sh", "-c", "umask 022 && cd '" + m.point() + "' && " + script)));
        return OpenSsh.exec(argv, null, null);
    }

    /** Runs a command on the server through ssh, as the user, in the mounted directory. */
    static OpenSsh.Result onServer(String server, String command) throws Exception {
        Mount m = mount(server);
        return m.ssh().run("cd '" + m.remote() + "' && " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void writeReadAppendAndRename(String server) throws Exception {
        OpenSsh.Result r = on(server, "echo one > wr1 && echo two >> wr1 && mv wr1 wr2 && cat wr2"
                + " && { [ -e wr1 ] && echo still || echo gone; } && echo three > wr3 && mv wr3 wr2 && cat wr2");
        assertEquals("one\ntwo\ngone\nthree\n", r.out(), r.stderr());
        assertEquals("three\n", onServer(server, "cat wr2").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void hardLinkBetweenRelativePaths(String server) throws Exception {
        OpenSsh.Result r = on(server, "echo linked > hl && ln hl hl2 && mkdir hld && ln hl hld/hl3 && cat hl2 hld/hl3");
        assertEquals("linked\nlinked\n", r.out(), r.stderr());
        // the link count from the server: sshfs keeps the one it cached for hl
        assertEquals("3\n", onServer(server, "stat -c %h hl").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void symbolicLinks(String server) throws Exception {
        OpenSsh.Result r = on(server, "echo target > st && ln -s st sl && ln -s nowhere dangling"
                + " && readlink sl dangling && cat sl && [ -L dangling ] && [ ! -e dangling ] && echo ok");
        assertEquals("st\nnowhere\ntarget\nok\n", r.out(), r.stderr());
        assertEquals("st\n", onServer(server, "readlink sl").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void chmodKeepsSetuidSetgidAndSticky(String server) throws Exception {
        OpenSsh.Result r = on(server, "printf x > suid && chmod 4755 suid && mkdir sgid sticky"
                + " && chmod 2775 sgid && chmod 1777 sticky && stat -c '%a %n' suid sgid sticky");
        assertEquals("4755 suid\n2775 sgid\n1777 sticky\n", r.out(), r.stderr());
        assertEquals("4755 2775 1777\n", onServer(server, "echo $(stat -c %a suid sgid sticky)").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void truncateGrowsAndShrinks(String server) throws Exception {
        OpenSsh.Result r = on(server, "printf abc > tr && truncate -s 1M tr && stat -c %s tr"
                + " && truncate -s 2 tr && stat -c %s tr && cat tr");
        assertEquals("1048576\n2\nab", r.out(), r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void touchSetsTimes(String server) throws Exception {
        OpenSsh.Result r = on(server, "touch -d '2020-01-02 03:04:05 UTC' old && echo x > older"
                + " && touch -d '2001-02-03 04:05:06 UTC' older && stat -c %Y old older");
        assertEquals("1577934245\n981173106\n", r.out(), r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void fsync(String server) throws Exception {
        OpenSsh.Result r = on(server, "dd if=/dev/zero of=synced bs=64k count=16 conv=fsync status=none"
                + " && sync synced && stat -c %s synced");
        assertEquals("1048576\n", r.out(), r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void rmdirOfANonEmptyDirectorySaysSo(String server) throws Exception {
        OpenSsh.Result r = on(server, "mkdir -p full/inner && { rmdir full 2>&1; true; } && [ -d full/inner ] && echo kept");
        assertEquals("rmdir: failed to remove 'full': Directory not empty\nkept\n", r.out(), r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void nothingExistsWhereTheKernelSaysNo(String server) throws Exception {
        // made on the server, so that no name below locked/ is in sshfs's or the kernel's cache
        assertEquals(0, onServer(server, "mkdir locked && touch locked/there && chmod 000 locked && echo x > plain"
                + " && ln -s loop loop").exit());
        try {
            OpenSsh.Result r = on(server, "for p in locked/nope locked/there plain/nope loop/nope; do"
                    + " [ -e $p ] && echo \"$p exists\" || echo \"$p no\"; done; ls -l locked/nope 2>&1");
            assertEquals("locked/nope no\nlocked/there no\nplain/nope no\nloop/nope no\n"
                    + "ls: cannot access 'locked/nope': Permission denied\n", r.out(), r.stderr());
        } finally {
            onServer(server, "chmod 755 locked");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void copyOfASourceTree(String server) throws Exception {
        OpenSsh.Result r = on(server, "cp -r '" + tree + "' copy && diff -r '" + tree + "' copy && echo same"
                + " && stat -c %a copy/src/main/java/dev/example/m1/p1/File1.java copy/docs/part0/File0.md");
        assertEquals("same\n644\n755\n", r.out(), r.stderr());
        assertEquals(RealClients.localManifest(tree), RealClients.remoteManifest(mount(server).ssh(),
                mount(server).remote() + "/copy"));
    }

    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void tarIntoAndOutOfTheMount(String server) throws Exception {
        String contents = "tar --sort=name -cf - . | tar -xOf - | sha256sum";
        String expected = OpenSsh.exec(List.of("sh", "-c", "cd '" + tree + "' && " + contents), null, null).out();
        OpenSsh.Result r = on(server, "mkdir untar && tar -C '" + tree + "' -cf - . | tar -C untar -xf -"
                + " && cd untar && " + contents);
        assertEquals(expected, r.out(), r.stderr());
        assertEquals(RealClients.localManifest(tree), RealClients.remoteManifest(mount(server).ssh(),
                mount(server).remote() + "/untar"));
    }

    /**
     * The repository is the tree's docs/ (a fifth of it: git through sshfs is slow on either server). The clone
     * copies ({@code --no-hardlinks}), as on any network filesystem: sshfs numbers its inodes itself, so
     * git's check that a hard link is its source fails ("hardlink different from source") on either server.
     */
    @ParameterizedTest
    @ValueSource(strings = {OURS, OPENSSH})
    void gitCommitStatusAndClone(String server) throws Exception {
        String git = "git -c init.defaultBranch=main -c user.name=t -c user.email=t@example.com";
        OpenSsh.Result r = on(server, git + " init -q repo && cp -r '" + tree + "'/docs repo/ && cd repo"
                + " && " + git + " add -A && " + git + " commit -qm one && " + git + " status --porcelain"
                + " && echo '// changed' >> docs/part0/File0.md && " + git + " status --porcelain"
                + " && cd .. && " + git + " clone -q --no-hardlinks repo clone && " + git + " -C clone log --format=%s"
                + " && " + git + " -C clone status --porcelain && diff -r -x .git '" + tree + "'/docs clone/docs && echo same");
        assertEquals(" M docs/part0/File0.md\none\nsame\n", r.out(), r.stderr());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void unmountsAndTheDaemonLogsNoWarningButRefusals() throws Exception {
        assumeTrue(servers != null && noFuse == null, noFuse);
        for (Map.Entry<String, Mount> e : mounts.entrySet()) {
            assertEquals(0, e.getValue().unmount(), e.getKey() + ": fusermount3 -u and sshfs's exit: "
                    + Files.readString(e.getValue().log()));
        }
        List<String> warnings = RealClients.warningsNotRefusals(servers.ours.daemon);
        assertTrue(warnings.isEmpty(), warnings.size() + " WARN lines that are not refusals:\n" + String.join("\n", warnings));
    }
}
