package dev.sandboxsshd.forwarding;

import java.util.Optional;

/** OpenSSH's sshd defaults: every target the flags allow. */
public final class OpenSshForwardingPolicy implements ForwardingPolicy {
    private final ForwardingOptions options;

    public OpenSshForwardingPolicy(ForwardingOptions options) {
        this.options = options;
    }

    @Override
    public Optional<String> refuseDirectTcp(String host, int port) {
        if (!options.enabled()) {
            return Optional.of("forwarding is disabled (--no-forwarding)");
        }
        if (port < 1 || port > 65535) {
            return Optional.of("port " + port + " out of range");
        }
        return Optional.empty();
    }
}
