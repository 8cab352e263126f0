package dev.sandboxsshd.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.server.pty.PtyAttach;
import dev.sandboxsshd.server.pty.PtyCreateRequest;
import dev.sandboxsshd.server.pty.PtySessions;
import dev.sandboxsshd.shell.LogText;

/** The HTTP API (Jetty core handlers, JSON). Every {@code /api/v1/*} call needs the bearer token. */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /** The largest PTY WebSocket frame a client may send (a big paste); bigger closes with 1009. */
    static final int MAX_FRAME = 1 << 20;

    private final Server server;
    private final ServerConnector connector;

    public ApiServer(HostPort listen, ApiToken token, SshService ssh, PtySessions ptys) {
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("api");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost(listen.host());
        connector.setPort(listen.port());
        server.addConnector(connector);
        WebSocketUpgradeHandler websockets = WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxBinaryMessageSize(MAX_FRAME);
            container.setMaxTextMessageSize(MAX_FRAME);
            // An attached terminal may be silent for hours; the PTY session's own idle rule is what reaps.
            container.setIdleTimeout(Duration.ZERO);
            container.addMapping(PtyAttach.PATH_SPEC, new PtyAttach(ptys));
        });
        websockets.setHandler(new Routes(token, ssh, ptys));
        server.setHandler(websockets);
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

    private static final class Routes extends Handler.Abstract {
        private final ApiToken token;
        private final SshService ssh;
        private final PtySessions ptys;

        Routes(ApiToken token, SshService ssh, PtySessions ptys) {
            this.token = token;
            this.ssh = ssh;
            this.ptys = ptys;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            String method = request.getMethod();
            try {
                if (!path.startsWith("/api/v1/")) {
                    throw new ApiError(404, "no such endpoint: " + path);
                }
                String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
                if (auth == null || !auth.startsWith("Bearer ") || !token.matches(auth.substring(7).strip())) {
                    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                    LOG.warn("refused api call: remote={} {} {} reason={}", Request.getRemoteAddr(request),
                            LogText.escape(method), LogText.escape(path),
                            auth == null ? "no bearer token" : "wrong bearer token");
                    throw new ApiError(401, auth == null ? "missing bearer token" : "invalid bearer token");
                }
                Object body = switch (path) {
                    case "/api/v1/ssh" -> {
                        allow(method, "GET", response);
                        yield statusJson(ssh.status());
                    }
                    case "/api/v1/ssh/enable" -> {
                        allow(method, "POST", response);
                        yield enableJson(ssh.enable(EnableRequest.parse(readJson(request))));
                    }
                    case "/api/v1/ssh/disable" -> {
                        allow(method, "POST", response);
                        yield statusJson(ssh.disable());
                    }
                    default -> {
                        if (path.equals("/api/v1/pty") || path.startsWith("/api/v1/pty/")) {
                            yield pty(method, path, request, response);
                        }
                        throw new ApiError(404, "no such endpoint: " + path);
                    }
                };
                send(response, callback, 200, body);
            } catch (ApiError e) {
                send(response, callback, e.status(), Map.of("error", e.getMessage()));
            } catch (RuntimeException e) {
                LOG.error("api call {} {} failed", method, path, e);
                send(response, callback, 500, Map.of("error", "internal error: " + e));
            }
            return true;
        }

        /** {@code /api/v1/pty}, {@code /api/v1/pty/{id}}, {@code /api/v1/pty/{id}/resize}. */
        private Object pty(String method, String path, Request request, Response response) throws ApiError {
            if (path.equals("/api/v1/pty")) {
                if (method.equals("GET")) {
                    return Map.of("sessions", ptys.list());
                }
                allow(method, "POST", response);
                PtySessions.Created created = ptys.create(PtyCreateRequest.parse(readJson(request)));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("session_id", created.sessionId());
                out.put("token", created.token());
                return out;
            }
            String[] parts = path.substring("/api/v1/pty/".length()).split("/", -1);
            String id = parts[0];
            if (parts.length == 1 && !id.isEmpty()) {
                if (method.equals("DELETE")) {
                    ptys.kill(id);
                    return Map.of("session_id", id, "killed", true);
                }
                allow(method, "GET, DELETE", response);
                return ptys.get(id);
            }
            if (parts.length == 2 && parts[1].equals("resize")) {
                allow(method, "POST", response);
                return ptys.resize(id, PtyCreateRequest.parseResize(readJson(request)));
            }
            if (parts.length == 2 && parts[1].equals("ws")) {
                throw new ApiError(400, path + " is a WebSocket endpoint: send an upgrade request with the session token");
            }
            throw new ApiError(404, "no such endpoint: " + path);
        }

        private static void allow(String method, String allowed, Response response) throws ApiError {
            if (!List.of(allowed.split(", ")).contains(method)) {
                response.getHeaders().put(HttpHeader.ALLOW, allowed);
                throw new ApiError(405, "method " + method + " not allowed; use " + allowed);
            }
        }

        private static JsonNode readJson(Request request) throws ApiError {
            long declared = request.getLength();
            if (declared > ApiJson.MAX_BODY) {
                throw new ApiError(413, "request body of " + declared + " bytes is over the limit of " + ApiJson.MAX_BODY);
            }
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readNBytes(ApiJson.MAX_BODY + 1);
            } catch (IOException e) {
                throw new ApiError(400, "cannot read request body: " + e.getMessage());
            }
            return ApiJson.parse(body);
        }

        private static Map<String, Object> enableJson(SshStatus status) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("enabled", status.enabled());
            out.put("pid", status.pid());
            out.put("host_key_fingerprint", status.hostKeyFingerprint());
            return out;
        }

        private static Map<String, Object> statusJson(SshStatus status) {
            Map<String, Object> out = enableJson(status);
            out.put("backend_user", status.backendUser());
            out.put("listen", status.listen());
            return out;
        }

        private static void send(Response response, Callback callback, int status, Object body) {
            byte[] bytes;
            try {
                bytes = ApiJson.MAPPER.writeValueAsBytes(body);
            } catch (IOException e) {
                bytes = "{\"error\":\"cannot encode response\"}".getBytes();
                status = 500;
            }
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.write(true, ByteBuffer.wrap(bytes), callback);
        }
    }
}
