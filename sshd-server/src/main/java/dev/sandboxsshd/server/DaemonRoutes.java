package dev.sandboxsshd.server;

import java.util.function.LongSupplier;

import dev.sandboxsshd.api.Routes;
import dev.sandboxsshd.pty.PtySessions;

/** The daemon's own endpoints: health for anyone, info (what runs, since when, how busy) for the token's holder. */
final class DaemonRoutes {
    /** {@code GET /api/v1/health}: answered without the token, so it says nothing but that the API answers. */
    record Health(boolean healthy) {
    }

    /** {@code GET /api/v1/info}. */
    record Info(String version, long uptimeSecs, long pid, Ssh ssh, int connections, int sshSessions,
                int ptySessions) {
    }

    /** Whether SSH is enabled, and the address it listens on (or would, once enabled). */
    record Ssh(boolean enabled, String listen) {
    }

    /** The version the jar's manifest names, {@code unknown} when run from classes. */
    static final String VERSION = version();

    private DaemonRoutes() {
    }

    /** {@code started} is the {@link System#nanoTime()} the daemon started at; {@code nanoClock} reads it now. */
    static void register(Routes routes, SshService ssh, PtySessions ptys, long started, LongSupplier nanoClock) {
        routes.addOpen("GET", "/api/v1/health", call -> new Health(true))
                .add("GET", "/api/v1/info", call -> {
                    SshStatus status = ssh.status();
                    SshService.Counts counts = ssh.counts();
                    return new Info(VERSION, (nanoClock.getAsLong() - started) / 1_000_000_000L,
                            ProcessHandle.current().pid(), new Ssh(status.enabled(), status.listen()),
                            counts.connections(), counts.sessions(), ptys.list().size());
                });
    }

    private static String version() {
        String version = DaemonRoutes.class.getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
    }
}
