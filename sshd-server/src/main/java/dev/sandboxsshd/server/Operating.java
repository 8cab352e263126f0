package dev.sandboxsshd.server;

import java.io.IOException;
import java.util.function.LongSupplier;

import dev.sandboxsshd.server.ops.AuditLog;
import dev.sandboxsshd.server.ops.ConnectionObserver;
import dev.sandboxsshd.server.ops.Metrics;

/**
 * The metrics and the audit trail as the flags ask for them (README "Operating"): the listener the SSH server gets,
 * the metrics the API serves, and the audit writer to close at the end. With neither, nothing is made at all.
 */
final class Operating implements AutoCloseable {
    private final Metrics metrics;
    private final AuditLog audit;
    private final ConnectionObserver observer;
    private final boolean served;
    private volatile LongSupplier connections = () -> 0;
    private volatile LongSupplier ptySessions = () -> 0;

    private Operating(OperatingOptions options) throws IOException {
        this.served = options.metrics();
        if (!options.metrics() && options.auditLog() == null) {
            metrics = null;
            audit = null;
            observer = null;
            return;
        }
        metrics = new Metrics(() -> connections.getAsLong(), () -> ptySessions.getAsLong());
        audit = options.auditLog() == null ? null : AuditLog.open(options.auditLog(), metrics::auditDropped);
        observer = new ConnectionObserver(metrics, audit == null ? ConnectionObserver.Audit.NONE : audit::record);
    }

    static Operating start(OperatingOptions options) throws StartFailure {
        try {
            return new Operating(options);
        } catch (IOException e) {
            throw new StartFailure("--audit-log " + options.auditLog() + " cannot be opened for appending ("
                    + e.getMessage() + "): name a file in a directory the daemon may write, or - for standard output");
        }
    }

    /** The SSH server's listener; null when there are neither metrics nor an audit trail. */
    ConnectionObserver observer() {
        return observer;
    }

    /** What {@code GET /metrics} serves; null when it is not served. */
    Metrics servedMetrics() {
        return served ? metrics : null;
    }

    void count(LongSupplier openConnections) {
        this.connections = openConnections;
    }

    void countPty(LongSupplier heldPtySessions) {
        this.ptySessions = heldPtySessions;
    }

    @Override
    public void close() throws InterruptedException {
        if (audit != null) {
            audit.close();
        }
    }
}
