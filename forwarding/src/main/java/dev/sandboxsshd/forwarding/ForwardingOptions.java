package dev.sandboxsshd.forwarding;

/**
 * The daemon's forwarding flags, with OpenSSH's defaults: forwarding allowed ({@code --no-forwarding} turns it
 * off); remote-forward listeners on loopback whatever address the client asks for ({@code --gateway-ports} binds
 * the requested address, all interfaces for {@code *}, as OpenSSH's GatewayPorts clientspecified); an existing path
 * refused for a UNIX-socket remote forward ({@code --stream-local-bind-unlink} replaces it, as OpenSSH's
 * StreamLocalBindUnlink); agent forwarding allowed ({@code --no-agent-forwarding} turns it off, as OpenSSH's
 * AllowAgentForwarding no; {@code --no-forwarding} does too, as DisableForwarding).
 */
public record ForwardingOptions(boolean enabled, boolean gatewayPorts, boolean streamLocalBindUnlink,
                                boolean agentForwarding) {
}
