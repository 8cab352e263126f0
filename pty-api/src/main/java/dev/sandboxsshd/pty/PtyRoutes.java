package dev.sandboxsshd.pty;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.api.Routes;

/** The PTY API's endpoints: the REST calls as routes, and the terminal itself as a WebSocket. */
public final class PtyRoutes {
    /** The largest PTY WebSocket frame a client may send (a big paste); bigger closes with 1009. */
    static final int MAX_FRAME = 1 << 20;

    /** {@code GET /api/v1/pty}'s reply. */
    public record Listing(List<PtyStatus> sessions) {
    }

    /** {@code DELETE /api/v1/pty/{id}}'s reply. */
    public record Killed(String sessionId, boolean killed) {
    }

    private PtyRoutes() {
    }

    public static void register(Routes routes, PtySessions ptys) {
        routes.add("GET", "/api/v1/pty", call -> new Listing(ptys.list()))
                .add("POST", "/api/v1/pty", call -> ptys.create(PtyCreateRequest.parse(call.body())))
                .add("GET", "/api/v1/pty/{id}", call -> ptys.get(call.param("id")))
                .add("DELETE", "/api/v1/pty/{id}", call -> {
                    ptys.kill(call.param("id"));
                    return new Killed(call.param("id"), true);
                })
                .add("POST", "/api/v1/pty/{id}/resize",
                        call -> ptys.resize(call.param("id"), PtyCreateRequest.parseResize(call.body())))
                .add("GET", "/api/v1/pty/{id}/ws", call -> {
                    throw new Refused(Kind.INVALID_INPUT, "/api/v1/pty/" + call.param("id")
                            + "/ws is a WebSocket endpoint: send an upgrade request with the session token");
                });
    }

    /** {@code GET /api/v1/pty/{id}/ws} with an upgrade: attaches to the session (see {@link PtyAttach}). */
    public static Consumer<ServerWebSocketContainer> webSockets(PtySessions ptys) {
        return container -> {
            container.setMaxBinaryMessageSize(MAX_FRAME);
            container.setMaxTextMessageSize(MAX_FRAME);
            // An attached terminal may be silent for hours; the PTY session's own idle rule is what reaps.
            container.setIdleTimeout(Duration.ZERO);
            container.addMapping(PtyAttach.PATH_SPEC, new PtyAttach(ptys));
        };
    }
}
