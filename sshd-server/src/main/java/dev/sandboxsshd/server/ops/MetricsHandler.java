package dev.sandboxsshd.server.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sandboxsshd.api.Refused;

/**
 * {@code GET /metrics} on the API listener, behind the same bearer token as the API; every other path goes on to
 * the API's handlers.
 */
public final class MetricsHandler extends Handler.Wrapper {
    public static final String PATH = "/metrics";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The API's bearer check. */
    public interface Guard {
        void check(Request request) throws Refused;
    }

    private final Metrics metrics;
    private final Guard guard;

    public MetricsHandler(Metrics metrics, Guard guard, Handler next) {
        super(next);
        this.metrics = metrics;
        this.guard = guard;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!PATH.equals(request.getHttpURI().getPath())) {
            return super.handle(request, response, callback);
        }
        try {
            guard.check(request);
        } catch (Refused e) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
            error(response, callback, 401, e.code(), e.getMessage());
            return true;
        }
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            error(response, callback, 405, "METHOD_NOT_ALLOWED",
                    "method " + request.getMethod() + " not allowed on " + PATH);
            return true;
        }
        byte[] body;
        try {
            body = metrics.scrape();
        } catch (IOException e) {
            error(response, callback, 500, "OPERATION_FAILED", "cannot write the metrics: " + e.getMessage());
            return true;
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, metrics.contentType());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, request.getMethod().equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
        return true;
    }

    /** The API's error body: {@code error} for people, {@code code} for programs (README "Error codes"). */
    private static void error(Response response, Callback callback, int status, String code, String message)
            throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        byte[] bytes = JSON.writeValueAsString(java.util.Map.of("error", message, "code", code)).getBytes(StandardCharsets.UTF_8);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
