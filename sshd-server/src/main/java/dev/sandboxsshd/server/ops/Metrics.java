package dev.sandboxsshd.server.ops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The daemon's Prometheus metrics (README "Operating" lists them). Label values come from fixed sets (kinds,
 * reasons, operations, limits), never from a client: no address, user or path is a label.
 */
public final class Metrics {
    /** The reasons a connection is refused before it authenticates. */
    public static final List<String> REFUSALS = List.of("max_startups", "identification", "proxy_protocol",
            "max_auth_tries");
    /** The limits of README "Limits", by their flag's name. */
    public static final List<String> LIMITS = List.of("max_startups", "max_auth_tries", "max_sessions", "max_channels",
            "max_sftp_handles", "sftp_fd_reserve", "max_pty_sessions");
    public static final List<String> SESSION_KINDS = List.of("shell", "exec", "subsystem", "pty_api");
    public static final List<String> CHANNEL_KINDS = List.of("session", "direct-tcpip", "direct-streamlocal",
            "forwarded-tcpip", "forwarded-streamlocal", "auth-agent");
    public static final List<String> FORWARD_KINDS = CHANNEL_KINDS.subList(1, CHANNEL_KINDS.size());
    public static final List<String> SFTP_OPERATIONS = List.of("open", "read", "write", "close", "remove", "rename",
            "mkdir", "rmdir", "setstat", "symlink", "link", "readdir");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter connections;
    private final Counter refused;
    private final Counter authentications;
    private final Counter sessions;
    private final Gauge activeSessions;
    private final Counter received;
    private final Counter sent;
    private final Counter forwards;
    private final Counter sftpOperations;
    private final Counter sftpErrors;
    private final Counter limitRefusals;
    private final Counter auditDropped;

    /**
     * @param activeConnections SSH connections open now
     * @param activePtySessions PTY API sessions held now
     */
    public Metrics(LongSupplier activeConnections, LongSupplier activePtySessions) {
        connections = Counter.builder().name("sandbox_sshd_connections_total")
                .help("SSH connections accepted (TCP), before any check").register(registry);
        refused = Counter.builder().name("sandbox_sshd_connections_refused_total")
                .help("SSH connections ended by a refusal before authentication, by reason").labelNames("reason")
                .register(registry);
        authentications = Counter.builder().name("sandbox_sshd_authentications_total")
                .help("publickey authentication attempts that were decided, by result").labelNames("result")
                .register(registry);
        sessions = Counter.builder().name("sandbox_sshd_sessions_total")
                .help("sessions started, by kind (shell, exec, subsystem, pty_api) and whether they have a PTY")
                .labelNames("kind", "pty").register(registry);
        activeSessions = Gauge.builder().name("sandbox_sshd_sessions_active")
                .help("SSH sessions running a shell, command or subsystem now, by whether they have a PTY")
                .labelNames("pty").register(registry);
        GaugeWithCallback.builder().name("sandbox_sshd_connections_active").help("SSH connections open now")
                .callback(cb -> cb.call(activeConnections.getAsLong())).register(registry);
        GaugeWithCallback.builder().name("sandbox_sshd_pty_sessions_active")
                .help("PTY API sessions held now, exited ones not yet forgotten included")
                .callback(cb -> cb.call(activePtySessions.getAsLong())).register(registry);
        received = Counter.builder().name("sandbox_sshd_channel_received_bytes_total")
                .help("channel data bytes received from clients, by channel kind").labelNames("kind")
                .register(registry);
        sent = Counter.builder().name("sandbox_sshd_channel_sent_bytes_total")
                .help("channel data bytes sent to clients, by channel kind").labelNames("kind").register(registry);
        forwards = Counter.builder().name("sandbox_sshd_forwards_total")
                .help("forwarding channels opened, by kind").labelNames("kind").register(registry);
        sftpOperations = Counter.builder().name("sandbox_sshd_sftp_operations_total")
                .help("SFTP operations, by operation").labelNames("operation").register(registry);
        sftpErrors = Counter.builder().name("sandbox_sshd_sftp_errors_total")
                .help("SFTP operations that failed, by operation").labelNames("operation").register(registry);
        limitRefusals = Counter.builder().name("sandbox_sshd_limit_refusals_total")
                .help("refusals by a limit of README \"Limits\", by the limit's flag").labelNames("limit")
                .register(registry);
        auditDropped = Counter.builder().name("sandbox_sshd_audit_events_dropped_total")
                .help("audit events dropped because the queue was full or the log could not be written")
                .register(registry);
        GaugeWithCallback.builder().name("process_resident_memory_bytes").help("resident set size of the daemon")
                .callback(cb -> cb.call(residentBytes())).register(registry);
        GaugeWithCallback.builder().name("jvm_memory_used_bytes").help("JVM memory used, by area").labelNames("area")
                .callback(cb -> {
                    cb.call(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), "heap");
                    cb.call(ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed(), "nonheap");
                }).register(registry);
        // every series exists from the start, at 0: a rate() over a restart and an absent series are not confused
        REFUSALS.forEach(r -> refused.labelValues(r));
        List.of("success", "failure").forEach(r -> authentications.labelValues(r));
        for (String kind : SESSION_KINDS) {
            sessions.labelValues(kind, "true");
            sessions.labelValues(kind, "false");
        }
        activeSessions.labelValues("true");
        activeSessions.labelValues("false");
        for (String kind : List.of("session", "shell", "exec", "subsystem", "direct-tcpip", "direct-streamlocal",
                "forwarded-tcpip", "forwarded-streamlocal", "auth-agent")) {
            received.labelValues(kind);
            sent.labelValues(kind);
        }
        FORWARD_KINDS.forEach(k -> forwards.labelValues(k));
        for (String op : SFTP_OPERATIONS) {
            sftpOperations.labelValues(op);
            sftpErrors.labelValues(op);
        }
        LIMITS.forEach(l -> limitRefusals.labelValues(l));
    }

    public void connectionAccepted() {
        connections.inc();
    }

    public void connectionRefused(String reason) {
        refused.labelValues(reason).inc();
    }

    public void authentication(boolean success) {
        authentications.labelValues(success ? "success" : "failure").inc();
    }

    public void sessionStarted(String kind, boolean pty) {
        sessions.labelValues(kind, Boolean.toString(pty)).inc();
        if (!kind.equals("pty_api")) {
            activeSessions.labelValues(Boolean.toString(pty)).inc();
        }
    }

    public void sessionEnded(boolean pty) {
        activeSessions.labelValues(Boolean.toString(pty)).dec();
    }

    /** The counter of a kind's received bytes, resolved once per channel. */
    public CounterDataPoint receivedBytes(String kind) {
        return received.labelValues(kind);
    }

    public CounterDataPoint sentBytes(String kind) {
        return sent.labelValues(kind);
    }

    public void forwardOpened(String kind) {
        forwards.labelValues(kind).inc();
    }

    public void sftp(String operation, boolean failed) {
        sftpOperations.labelValues(operation).inc();
        if (failed) {
            sftpErrors.labelValues(operation).inc();
        }
    }

    public void limitRefused(String limit) {
        limitRefusals.labelValues(limit).inc();
    }

    public void auditDropped() {
        auditDropped.inc();
    }

    /** The text format of every metric, as {@code GET /metrics} answers. */
    public byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        return out.toByteArray();
    }

    public String contentType() {
        return writer.getContentType();
    }

    /** VmRSS from /proc/self/status (kB), or 0 where there is none. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").strip()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no value
        }
        return 0;
    }
}
