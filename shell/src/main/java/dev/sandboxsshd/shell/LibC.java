package dev.sandboxsshd.shell;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/** The few libc calls the JDK does not offer. */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int geteuid();

    int kill(int pid, int sig);

    int sethostname(byte[] name, long len);

    int getpwnam_r(String name, Passwd pwd, Pointer buf, long buflen, PointerByReference result);

    int getpwuid_r(int uid, Passwd pwd, Pointer buf, long buflen, PointerByReference result);

    int getgrouplist(String user, int group, int[] groups, IntByReference ngroups);

    @Structure.FieldOrder({"pw_name", "pw_passwd", "pw_uid", "pw_gid", "pw_gecos", "pw_dir", "pw_shell"})
    final class Passwd extends Structure {
        public String pw_name;
        public String pw_passwd;
        public int pw_uid;
        public int pw_gid;
        public String pw_gecos;
        public String pw_dir;
        public String pw_shell;
    }
}
