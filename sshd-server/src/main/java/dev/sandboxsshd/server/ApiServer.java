package dev.sandboxsshd.server;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.api.ApiEdge;
import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.api.Routes;
import dev.sandboxsshd.pty.PtyRoutes;
import dev.sandboxsshd.server.ops.Metrics;
import dev.sandboxsshd.server.ops.MetricsHandler;
import dev.sandboxsshd.pty.PtySessions;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/**
 * The HTTP API (Jetty core handlers, JSON): the daemon's, the SSH and the PTY routes behind one edge. Every
 * {@code /api/v1/*} call needs the bearer token, except health and a PTY WebSocket, which needs its session's token.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private final Server server;
    private final ServerConnector connector;

    /** {@code started}: the {@link System#nanoTime()} the daemon started at, for {@code /api/v1/info}'s uptime. */
    public ApiServer(HostPort listen, ApiToken token, SshService ssh, PtySessions ptys, long started) {
        this(listen, token, ssh, ptys, started, null);
    }

    /** @param metrics served at {@code GET /metrics} behind the bearer token; null for none */
    public ApiServer(HostPort listen, ApiToken token, SshService ssh, PtySessions ptys, long started, Metrics metrics) {
        // Jetty lets one idle thread go per idle timeout: after a burst of PTY sockets the pool is back to its
        // minimum within about a minute, not the 28 minutes Jetty's 60 s default would take.
        QueuedThreadPool threads = new QueuedThreadPool(32, 4, 2_000);
        threads.setName("api");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost(listen.host());
        connector.setPort(listen.port());
        server.addConnector(connector);
        Routes routes = new Routes();
        DaemonRoutes.register(routes, ssh, ptys, started, System::nanoTime);
        SshRoutes.register(routes, ssh);
        PtyRoutes.register(routes, ptys);
        WebSocketUpgradeHandler websockets = WebSocketUpgradeHandler.from(server, PtyRoutes.webSockets(ptys));
        websockets.setHandler(new ApiEdge("/api/v1/", request -> checkBearer(token, request), routes));
        server.setHandler(metrics == null ? websockets
                : new MetricsHandler(metrics, request -> checkBearer(token, request), websockets));
    }

    public void start() throws Exception {
        server.start();
    }

    public String boundAddress() {
        String host = connector.getHost();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static void checkBearer(ApiToken token, Request request) throws Refused {
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (auth == null || !auth.startsWith("Bearer ") || !token.matches(auth.substring(7).strip())) {
            LOG.warn("refused api call: remote={} {} {} reason={}",
                    Addresses.of(request.getConnectionMetaData().getRemoteSocketAddress()),
                    LogText.escape(request.getMethod()), LogText.escape(request.getHttpURI().getPath()),
                    auth == null ? "no bearer token" : "wrong bearer token");
            throw new Refused(Kind.UNAUTHENTICATED, auth == null ? "missing bearer token" : "invalid bearer token");
        }
    }
}
