package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.sun.jna.Native;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.sftp.common.SftpConstants;

import dev.sandboxsshd.shell.Errno;

/** The attribute values an SFTP request carries, as the kernel's calls take them. */
final class SftpModes {
    /** The attribute under which {@link UserSftpSubsystem#readAttrs} keeps the mode exactly as sent. */
    static final String MODE = "sandbox-sshd:mode";

    private SftpModes() {
    }

    /**
     * The permissions field of an ATTRS structure (draft-02 for version 3, draft-13 for 4 to 6), or null when it
     * has none.
     */
    static Integer sentMode(Buffer attrs, int version) {
        return permissionsAt(attrs, version) < 0 ? null : attrs.getInt();
    }

    /**
     * Where the permissions field of the ATTRS structure at the buffer's read position is (the buffer is left
     * there), or -1 when it has none.
     */
    static int permissionsAt(Buffer attrs, int version) {
        int flags = attrs.getInt();
        if (version >= SftpConstants.SFTP_V4) {
            attrs.getUByte(); // type
        }
        if ((flags & SftpConstants.SSH_FILEXFER_ATTR_SIZE) != 0) {
            attrs.getLong();
        }
        if (version == SftpConstants.SFTP_V3) {
            if ((flags & SftpConstants.SSH_FILEXFER_ATTR_UIDGID) != 0) {
                attrs.getInt();
                attrs.getInt();
            }
        } else {
            if (version >= SftpConstants.SFTP_V6 && (flags & SftpConstants.SSH_FILEXFER_ATTR_ALLOCATION_SIZE) != 0) {
                attrs.getLong();
            }
            if ((flags & SftpConstants.SSH_FILEXFER_ATTR_OWNERGROUP) != 0) {
                attrs.getString();
                attrs.getString();
            }
        }
        return (flags & SftpConstants.SSH_FILEXFER_ATTR_PERMISSIONS) != 0 ? attrs.rpos() : -1;
    }

    /**
     * A long name ({@code ls -l}'s line) with the setuid, setgid and sticky bits of {@code mode} shown as {@code ls}
     * shows them ({@code s}/{@code S}, {@code t}/{@code T} in place of the execute bits).
     */
    static String withSpecialBits(String longName, int mode) {
        if ((mode & 07000) == 0 || longName.length() < 10) {
            return longName;
        }
        char[] line = longName.toCharArray();
        special(line, 3, (mode & 04000) != 0, 's');
        special(line, 6, (mode & 02000) != 0, 's');
        special(line, 9, (mode & 01000) != 0, 't');
        return new String(line);
    }

    private static void special(char[] line, int at, boolean set, char letter) {
        if (set) {
            line[at] = line[at] == 'x' ? letter : Character.toUpperCase(letter);
        }
    }

    /** The mode bits of a permission set (which has no setuid, setgid or sticky). */
    static int of(Set<?> permissions) {
        int mode = 0;
        for (Object p : permissions) {
            if (p instanceof PosixFilePermission perm) {
                mode |= 0400 >> perm.ordinal(); // OWNER_READ ... OTHERS_EXECUTE, in mode-bit order
            }
        }
        return mode;
    }

    /** Puts {@code time} as a timespec at {@code at} in {@code times}, leaving UTIME_OMIT there when it is null. */
    static void time(long[] times, int at, FileTime time) {
        if (time != null) {
            long nanos = time.to(TimeUnit.NANOSECONDS);
            times[at] = Math.floorDiv(nanos, 1_000_000_000L);
            times[at + 1] = Math.floorMod(nanos, 1_000_000_000L);
        }
    }

    /** The kernel's error, as the JDK would throw it, when a libc call returned -1. */
    static void check(Path file, int result) throws IOException {
        if (result != 0) {
            throw Errno.exception(file.toString(), Native.getLastError());
        }
    }
}
