package dev.sandboxsshd.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The API's bearer token: read from its file, or created there (mode 0600) with 256 random bits. */
public final class ApiToken {
    private final byte[] token;

    private ApiToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    public static ApiToken loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
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
        String value = Files.readString(file).strip();
        if (value.isEmpty()) {
            throw new IOException("API token file " + file + " is empty");
        }
        return new ApiToken(value);
    }

    /** Compares in constant time, so the answer's timing says nothing about how much of the token was right. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }
}
