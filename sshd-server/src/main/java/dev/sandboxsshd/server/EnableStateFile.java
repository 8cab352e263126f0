package dev.sandboxsshd.server;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The enable state that survives a restart: the trusted key line and the backend user, written atomically. */
final class EnableStateFile {
    static final String FILE_NAME = "ssh-enabled.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    record Saved(@JsonProperty("proxy_pubkey") String proxyPubkey, @JsonProperty("backend_user") String backendUser) {
    }

    private final Path file;

    EnableStateFile(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    Optional<Saved> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(file.toFile(), Saved.class));
    }

    void write(Saved state) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            JSON.writeValue(tmp.toFile(), state);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    void delete() throws IOException {
        Files.deleteIfExists(file);
    }
}
