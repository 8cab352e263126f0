package dev.sandboxsshd.server;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.UserDatabase;

/**
 * The API's bearer token: read from its file, or created there (mode 0600) with 256 random bits. An existing file is
 * used only if it is a regular file (opened with O_NOFOLLOW: a symbolic link someone planted is refused), owned by
 * the daemon's user, and neither group nor others may read or write it: sshd's StrictModes, which refuses a
 * private key file others can read and key files others can write.
 */
public final class ApiToken {
    private static final Logger LOG = LoggerFactory.getLogger(ApiToken.class);
    /** ELOOP's text, which O_NOFOLLOW gives for a link that appeared after the check. */
    private static final String ELOOP_REASON = "symbolic link";
    private final byte[] token;

    private ApiToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    public static ApiToken loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, HexFormat.of().formatHex(random) + "\n");
            try {
                Files.move(tmp, file);
            } catch (FileAlreadyExistsException e) {
                Files.delete(tmp); // another daemon created it first; use theirs
            }
        }
        String value = readStrictly(file).strip();
        if (value.isEmpty()) {
            throw new IOException("API token file " + file + " is empty");
        }
        return new ApiToken(value);
    }

    private static String readStrictly(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            throw refused(file, "is a symbolic link");
        }
        try (SeekableByteChannel channel = Files.newByteChannel(file, Set.of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            int uid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            int daemon = UserDatabase.current().uid();
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw refused(file, "is not a regular file");
            }
            if (uid != daemon) {
                throw refused(file, "is owned by uid " + uid + ", not the daemon's " + daemon);
            }
            if ((mode & 077) != 0) {
                throw refused(file, String.format("has mode %04o: group or others may read or write it (chmod 600)",
                        mode & 07777));
            }
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains(ELOOP_REASON)) {
                throw refused(file, "is a symbolic link");
            }
            throw e;
        }
    }

    private static IOException refused(Path file, String reason) {
        LOG.error("refused api token file: path={} reason={}", file, reason);
        return new IOException("API token file " + file + " " + reason + "; refusing to use it");
    }

    /** Compares in constant time, so the answer's timing says nothing about how much of the token was right. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }
}
