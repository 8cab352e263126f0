package dev.sandboxsshd.forwarding;

import java.util.Optional;

/**
 * OpenSSH's sshd rules: every target the flags allow; remote-forward listeners on loopback unless gateway ports
 * are on; no privileged listening port for a user other than root.
 */
public final class OpenSshForwardingPolicy implements ForwardingPolicy {
    private static final int FIRST_UNPRIVILEGED_PORT = 1024;
    private static final String LOOPBACK = "127.0.0.1";

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

    @Override
    public Optional<String> refuseTcpListen(String userName, int uid, int port) {
        if (!options.enabled()) {
            return Optional.of("forwarding is disabled (--no-forwarding)");
        }
        if (port != 0 && port < FIRST_UNPRIVILEGED_PORT && uid != 0) {
            return Optional.of("port " + port + " is privileged and user " + userName + " is not root");
        }
        return Optional.empty();
    }

    @Override
    public Optional<String> refuseDirectStreamLocal(String socketPath) {
        return refuseSocketPath(socketPath);
    }

    @Override
    public Optional<String> refuseStreamLocalListen(String socketPath) {
        return refuseSocketPath(socketPath);
    }

    @Override
    public boolean unlinkExistingSocket() {
        return options.streamLocalBindUnlink();
    }

    private Optional<String> refuseSocketPath(String socketPath) {
        if (!options.enabled()) {
            return Optional.of("forwarding is disabled (--no-forwarding)");
        }
        if (socketPath.isEmpty() || socketPath.indexOf('\0') >= 0) {
            return Optional.of("not a socket path");
        }
        return Optional.empty();
    }

    @Override
    public String bindAddressFor(String requestedHost) {
        if (!options.gatewayPorts()) {
            return LOOPBACK;
        }
        boolean wildcard = requestedHost == null || requestedHost.isEmpty() || requestedHost.equals("*")
                || requestedHost.equals("0.0.0.0") || requestedHost.equals("::");
        if (wildcard) {
            return "0.0.0.0";
        }
        return requestedHost.equals("localhost") ? LOOPBACK : requestedHost;
    }
}
