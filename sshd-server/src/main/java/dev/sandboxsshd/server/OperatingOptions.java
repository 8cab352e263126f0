package dev.sandboxsshd.server;

import java.util.List;

import dev.sandboxsshd.server.proxy.AddressRange;

/**
 * The flags of README's "Operating": who may send a PROXY header, whether {@code GET /metrics} is served, where the
 * audit trail goes ({@code -}: standard output; null: nowhere).
 */
public record OperatingOptions(List<AddressRange> proxyProtocolFrom, boolean metrics, String auditLog) {
    public static final OperatingOptions NONE = new OperatingOptions(List.of(), false, null);

    public OperatingOptions {
        proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
    }
}
