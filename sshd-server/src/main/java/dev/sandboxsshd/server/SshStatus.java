package dev.sandboxsshd.server;

/** What {@code GET /api/v1/ssh} reports; pid and fingerprint are null while disabled. */
public record SshStatus(boolean enabled, Long pid, String hostKeyFingerprint, String backendUser, String listen) {
}
