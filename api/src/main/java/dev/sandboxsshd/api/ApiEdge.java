package dev.sandboxsshd.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.shell.LogText;

/**
 * The HTTP edge of the API, and the only place that knows statuses: every call under the prefix passes the guard
 * (but those of an open route), is routed, and its handler's record goes out as JSON with 200; a {@link Refused} goes
 * out as {@code {"error": message, "code": code}} with the status of its kind.
 */
public final class ApiEdge extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiEdge.class);

    /** Who may call; refuses ({@link Kind#UNAUTHENTICATED}) otherwise. */
    public interface Guard {
        void check(Request request) throws Refused;
    }

    /** Every error body: the message for people, the code for programs. */
    public record ErrorReply(String error, String code) {
    }

    /** The code of an error no refusal describes: a bug, logged with its stack. */
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

    private final String prefix;
    private final Guard guard;
    private final Routes routes;

    public ApiEdge(String prefix, Guard guard, Routes routes) {
        this.prefix = prefix;
        this.guard = guard;
        this.routes = routes;
    }

    /** The HTTP status for a refusal of this kind. */
    public static int status(Refused refused) {
        return switch (refused.kind()) {
            case INVALID_INPUT -> 400;
            case UNAUTHENTICATED -> 401;
            case NOT_FOUND -> 404;
            case WRONG_METHOD -> 405;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case LIMIT_REACHED -> 429;
            case FAILED -> 500;
        };
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        String method = request.getMethod();
        try {
            if (!path.startsWith(prefix)) {
                throw new Refused(Kind.NOT_FOUND, "no such endpoint: " + path);
            }
            Routes.Match match;
            try {
                match = routes.match(method, path);
            } catch (Refused e) {
                guard.check(request); // a caller without the token learns nothing of the routes
                throw e;
            }
            if (!match.open()) {
                guard.check(request);
            }
            Object reply = match.handler().handle(new Routes.Call() {
                @Override
                public String param(String name) {
                    return match.params().get(name);
                }

                @Override
                public JsonNode body() throws Refused {
                    return readJson(request);
                }
            });
            send(response, callback, 200, reply);
        } catch (Refused e) {
            if (e.kind() == Kind.UNAUTHENTICATED) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
            } else if (e.kind() == Kind.WRONG_METHOD) {
                response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", e.allowed()));
            }
            send(response, callback, status(e), new ErrorReply(e.getMessage(), e.code()));
        } catch (RuntimeException e) {
            LOG.error("api call {} {} failed", LogText.escape(method), LogText.escape(path), e);
            send(response, callback, 500, new ErrorReply("internal error: " + e, INTERNAL_ERROR));
        }
        return true;
    }

    private static JsonNode readJson(Request request) throws Refused {
        long declared = request.getLength();
        if (declared > ApiJson.MAX_BODY) {
            throw new Refused(Kind.TOO_LARGE, "request body of " + declared + " bytes is over the limit of " + ApiJson.MAX_BODY);
        }
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(ApiJson.MAX_BODY + 1);
        } catch (IOException e) {
            throw new Refused(Kind.INVALID_INPUT, "cannot read request body: " + e.getMessage());
        }
        return ApiJson.parse(body);
    }

    private static void send(Response response, Callback callback, int status, Object reply) {
        byte[] bytes;
        try {
            bytes = ApiJson.write(reply);
        } catch (IOException e) {
            bytes = ("{\"error\":\"cannot encode response\",\"code\":\"" + INTERNAL_ERROR + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            status = 500;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
