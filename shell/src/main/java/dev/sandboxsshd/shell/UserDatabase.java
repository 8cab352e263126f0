package dev.sandboxsshd.shell;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/** Looks accounts up through libc, so NSS sources other than /etc/passwd work as they do for OpenSSH. */
public final class UserDatabase {
    private static final int ERANGE = 34;

    private UserDatabase() {
    }

    public static Optional<PosixUser> byName(String name) {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        return lookup(name, -1);
    }

    public static Optional<PosixUser> byUid(int uid) {
        return lookup(null, uid);
    }

    /** The name of a group, as {@code ls -l} would show it. */
    public static Optional<String> groupName(int gid) {
        for (long size = 4096; size <= 1 << 20; size *= 4) {
            LibC.Group grp = new LibC.Group();
            Memory buf = new Memory(size);
            PointerByReference result = new PointerByReference();
            int rc = LibC.INSTANCE.getgrgid_r(gid, grp, buf, size, result);
            if (rc == ERANGE) {
                continue;
            }
            if (rc != 0 || result.getValue() == null) {
                return Optional.empty();
            }
            grp.read();
            return Optional.ofNullable(grp.gr_name);
        }
        return Optional.empty();
    }

    /** The id of a group, by name. */
    public static Optional<Integer> groupId(String name) {
        for (long size = 4096; size <= 1 << 20; size *= 4) {
            LibC.Group grp = new LibC.Group();
            Memory buf = new Memory(size);
            PointerByReference result = new PointerByReference();
            int rc = LibC.INSTANCE.getgrnam_r(name, grp, buf, size, result);
            if (rc == ERANGE) {
                continue;
            }
            if (rc != 0 || result.getValue() == null) {
                return Optional.empty();
            }
            grp.read();
            return Optional.of(grp.gr_gid);
        }
        return Optional.empty();
    }

    /** The effective user of this process. */
    public static PosixUser current() {
        int uid = LibC.INSTANCE.geteuid();
        return byUid(uid).orElseThrow(() -> new IllegalStateException("no passwd entry for uid " + uid));
    }

    public static boolean runningAsRoot() {
        return LibC.INSTANCE.geteuid() == 0;
    }

    private static Optional<PosixUser> lookup(String name, int uid) {
        for (long size = 4096; size <= 1 << 20; size *= 4) {
            LibC.Passwd pwd = new LibC.Passwd();
            Memory buf = new Memory(size);
            PointerByReference result = new PointerByReference();
            int rc = name != null
                    ? LibC.INSTANCE.getpwnam_r(name, pwd, buf, size, result)
                    : LibC.INSTANCE.getpwuid_r(uid, pwd, buf, size, result);
            if (rc == ERANGE) {
                continue;
            }
            if (rc != 0 || result.getValue() == null) {
                return Optional.empty();
            }
            pwd.read();
            return Optional.of(new PosixUser(pwd.pw_name, pwd.pw_uid, pwd.pw_gid,
                    groupsOf(pwd.pw_name, pwd.pw_gid), Path.of(pwd.pw_dir == null || pwd.pw_dir.isEmpty() ? "/" : pwd.pw_dir),
                    pwd.pw_shell));
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
