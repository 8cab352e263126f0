package dev.sandboxsshd.server;

import dev.sandboxsshd.api.Routes;

/** The SSH half's endpoints: status, enable, disable. */
final class SshRoutes {
    /** {@code POST /api/v1/ssh/enable}'s reply: the status without the user and address the caller just chose. */
    public record Enabled(boolean enabled, Long pid, String hostKeyFingerprint) {
        static Enabled of(SshStatus status) {
            return new Enabled(status.enabled(), status.pid(), status.hostKeyFingerprint());
        }
    }

    private SshRoutes() {
    }

    static void register(Routes routes, SshService ssh) {
        routes.add("GET", "/api/v1/ssh", call -> ssh.status())
                .add("POST", "/api/v1/ssh/enable", call -> Enabled.of(ssh.enable(EnableRequest.parse(call.body()))))
                .add("POST", "/api/v1/ssh/disable", call -> ssh.disable());
    }
}
