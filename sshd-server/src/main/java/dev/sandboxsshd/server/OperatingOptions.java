package dev.sandboxsshd.server;

import java.util.List;

import dev.sandboxsshd.server.proxy.AddressRange;

/** The flags of README's "Operating": who may send a PROXY header. */
public record OperatingOptions(List<AddressRange> proxyProtocolFrom) {
    public static final OperatingOptions NONE = new OperatingOptions(List.of());

    public OperatingOptions {
        proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
    }
}
