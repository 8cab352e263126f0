package dev.sandboxsshd.shell;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import com.sun.jna.Memory;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/** Looks accounts up through libc, so NSS sources other than /etc/passwd work as they do for OpenSSH. */
public final class UserDatabase {

    private UserDatabase() {
    }

    public static Optional<PosixUser> byName(String name) {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        return user(name, -1);
    }

    public static Optional<PosixUser> byUid(int uid) {
        return user(null, uid);
    }

    /** The name of a group, as {@code ls -l} would show it. */
    public static Optional<String> groupName(int gid) {
        return lookup(LibC.Group::new,
                (grp, buf, size, result) -> LibC.INSTANCE.getgrgid_r(gid, grp, buf, size, result))
                .map(grp -> grp.gr_name);
    }

    /** The id of a group, by name. */
    public static Optional<Integer> groupId(String name) {
        return lookup(LibC.Group::new,
                (grp, buf, size, result) -> LibC.INSTANCE.getgrnam_r(name, grp, buf, size, result))
                .map(grp -> grp.gr_gid);
    }

    /** The effective user of this process. */
    public static PosixUser current() {
        int uid = LibC.INSTANCE.geteuid();
        return byUid(uid).orElseThrow(() -> new IllegalStateException("no passwd entry for uid " + uid));
    }

    public static boolean runningAsRoot() {
        return LibC.INSTANCE.geteuid() == 0;
    }

    private static Optional<PosixUser> user(String name, int uid) {
        return lookup(LibC.Passwd::new, (pwd, buf, size, result) -> name != null
                ? LibC.INSTANCE.getpwnam_r(name, pwd, buf, size, result)
                : LibC.INSTANCE.getpwuid_r(uid, pwd, buf, size, result))
                .map(pwd -> new PosixUser(pwd.pw_name, pwd.pw_uid, pwd.pw_gid, groupsOf(pwd.pw_name, pwd.pw_gid),
                        Path.of(pwd.pw_dir == null || pwd.pw_dir.isEmpty() ? "/" : pwd.pw_dir), pwd.pw_shell));
    }

    /** One of libc's reentrant lookups: fills {@code entry} from {@code buf}, or says why not. */
    @FunctionalInterface
    private interface ReentrantLookup<T> {
        int call(T entry, Memory buf, long size, PointerByReference result);
    }

    /**
     * Calls {@code call} with a buffer that grows while libc answers ERANGE; empty when there is no such entry,
     * on any other error, and past 1 MiB.
     */
    private static <T extends Structure> Optional<T> lookup(Supplier<T> newEntry, ReentrantLookup<T> call) {
        for (long size = 4096; size <= 1 << 20; size *= 4) {
            T entry = newEntry.get();
            PointerByReference result = new PointerByReference();
            int rc = call.call(entry, new Memory(size), size, result);
            if (rc == Errno.ERANGE) {
                continue;
            }
            if (rc != 0 || result.getValue() == null) {
                return Optional.empty();
            }
            entry.read();
            return Optional.of(entry);
        }
        return Optional.empty();
    }

    private static List<Integer> groupsOf(String name, int gid) {
        int[] groups = new int[64];
        IntByReference count = new IntByReference(groups.length);
        if (LibC.INSTANCE.getgrouplist(name, gid, groups, count) < 0) {
            groups = new int[count.getValue()];
            count.setValue(groups.length);
            LibC.INSTANCE.getgrouplist(name, gid, groups, count);
        }
        List<Integer> out = new ArrayList<>(count.getValue());
        for (int i = 0; i < count.getValue(); i++) {
            out.add(groups[i]);
        }
        return out;
    }
}
