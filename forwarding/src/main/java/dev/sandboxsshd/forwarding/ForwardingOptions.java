package dev.sandboxsshd.forwarding;

/**
 * The daemon's forwarding flags, with OpenSSH's defaults: forwarding allowed ({@code --no-forwarding} turns it
 * off). {@code --gateway-ports} and {@code --stream-local-bind-unlink} arrive with remote and UNIX-socket forwards.
 */
public record ForwardingOptions(boolean enabled) {
    public static final ForwardingOptions DEFAULTS = new ForwardingOptions(true);
}
