package dev.sandboxsshd.forwarding;

/**
 * The daemon's forwarding flags, with OpenSSH's defaults: forwarding allowed ({@code --no-forwarding} turns it
 * off); remote-forward listeners on loopback whatever address the client asks for ({@code --gateway-ports} binds
 * the requested address, all interfaces for {@code *}, as OpenSSH's GatewayPorts clientspecified); an existing path
 * refused for a UNIX-socket remote forward ({@code --stream-local-bind-unlink} replaces it, as OpenSSH's
 * StreamLocalBindUnlink).
 */
public record ForwardingOptions(boolean enabled, boolean gatewayPorts, boolean streamLocalBindUnlink) {
    public static final ForwardingOptions DEFAULTS = new ForwardingOptions(true, false, false);
}
