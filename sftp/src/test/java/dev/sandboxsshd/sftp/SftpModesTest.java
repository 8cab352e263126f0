package dev.sandboxsshd.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.sftp.common.SftpConstants;
import org.junit.jupiter.api.Test;

class SftpModesTest {
    @Test
    void longNamesShowSpecialBitsAsLsDoes() {
        assertEquals("-rwsr-xr-x 1 u g 0 Jan 1 f", SftpModes.withSpecialBits("-rwxr-xr-x 1 u g 0 Jan 1 f", 04755));
        assertEquals("-rwSr--r-- 1 u g 0 Jan 1 f", SftpModes.withSpecialBits("-rw-r--r-- 1 u g 0 Jan 1 f", 04644));
        assertEquals("drwxrwsr-x 1 u g 0 Jan 1 g", SftpModes.withSpecialBits("drwxrwxr-x 1 u g 0 Jan 1 g", 02775));
        assertEquals("drwxrwxrwt 1 u g 0 Jan 1 t", SftpModes.withSpecialBits("drwxrwxrwx 1 u g 0 Jan 1 t", 01777));
        assertEquals("drwxr-xr-T 1 u g 0 Jan 1 t", SftpModes.withSpecialBits("drwxr-xr-- 1 u g 0 Jan 1 t", 01754));
        assertEquals("-rwxr-xr-x 1 u g 0 Jan 1 f", SftpModes.withSpecialBits("-rwxr-xr-x 1 u g 0 Jan 1 f", 0755));
    }

    @Test
    void thePermissionsFieldIsFoundInEachVersionsLayout() {
        ByteArrayBuffer v3 = new ByteArrayBuffer();
        v3.putInt(SftpConstants.SSH_FILEXFER_ATTR_SIZE | SftpConstants.SSH_FILEXFER_ATTR_UIDGID
                | SftpConstants.SSH_FILEXFER_ATTR_PERMISSIONS);
        v3.putLong(5);
        v3.putInt(1001);
        v3.putInt(1001);
        v3.putInt(0104755);
        assertEquals(0104755, SftpModes.sentMode(v3, SftpConstants.SFTP_V3));

        ByteArrayBuffer v4 = new ByteArrayBuffer();
        v4.putInt(SftpConstants.SSH_FILEXFER_ATTR_OWNERGROUP | SftpConstants.SSH_FILEXFER_ATTR_PERMISSIONS);
        v4.putByte((byte) SftpConstants.SSH_FILEXFER_TYPE_DIRECTORY);
        v4.putString("tl-user");
        v4.putString("tl-user");
        v4.putInt(041777);
        assertEquals(041777, SftpModes.sentMode(v4, SftpConstants.SFTP_V4));

        ByteArrayBuffer none = new ByteArrayBuffer();
        none.putInt(SftpConstants.SSH_FILEXFER_ATTR_SIZE);
        none.putLong(5);
        assertEquals(-1, SftpModes.permissionsAt(none, SftpConstants.SFTP_V3));
        none.rpos(0);
        assertNull(SftpModes.sentMode(none, SftpConstants.SFTP_V3));
    }
}
