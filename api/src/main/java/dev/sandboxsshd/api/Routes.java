package dev.sandboxsshd.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sandboxsshd.api.Refused.Kind;

/**
 * The API's routes: a handler per method and path pattern such as {@code /api/v1/pty/{id}/resize}, where a
 * {@code {name}} segment matches any non-empty segment. A path that only other methods have handlers for is a
 * {@link Refused.Kind#WRONG_METHOD} naming them, so Allow always says what is registered. A route added with
 * {@link #addOpen} is answered without the edge's guard (health); every other needs it.
 */
public final class Routes {
    /** One endpoint: the call in, a record for the JSON reply out. */
    public interface Handler {
        Object handle(Call call) throws Refused;
    }

    /** What a handler gets: the path's {@code {name}} segments and, when it asks, the body as JSON. */
    public interface Call {
        String param(String name);

        JsonNode body() throws Refused;
    }

    /** A handler found for a request, and the path segments its pattern named. */
    public record Match(Handler handler, Map<String, String> params, boolean open) {
    }

    private record Route(String method, String pattern, String[] segments, Handler handler, boolean open) {
    }

    private final List<Route> routes = new ArrayList<>();

    public Routes add(String method, String pattern, Handler handler) {
        return add(method, pattern, handler, false);
    }

    /** A route anyone may call: it must say nothing a caller without the token may not know. */
    public Routes addOpen(String method, String pattern, Handler handler) {
        return add(method, pattern, handler, true);
    }

    private Routes add(String method, String pattern, Handler handler, boolean open) {
        for (Route route : routes) {
            if (route.method.equals(method) && route.pattern.equals(pattern)) {
                throw new IllegalArgumentException(method + " " + pattern + " is registered twice");
            }
        }
        routes.add(new Route(method, pattern, pattern.split("/", -1), handler, open));
        return this;
    }

    public Match match(String method, String path) throws Refused {
        String[] segments = path.split("/", -1);
        List<String> allowed = new ArrayList<>();
        for (Route route : routes) {
            Map<String, String> params = params(route.segments, segments);
            if (params == null) {
                continue;
            }
            if (route.method.equals(method)) {
                return new Match(route.handler, params, route.open);
            }
            if (!allowed.contains(route.method)) {
                allowed.add(route.method);
            }
        }
        if (!allowed.isEmpty()) {
            throw Refused.wrongMethod(method, allowed);
        }
        throw new Refused(Kind.NOT_FOUND, "no such endpoint: " + path);
    }

    /** The pattern's named segments in the path, or null when the path does not match. */
    private static Map<String, String> params(String[] pattern, String[] path) {
        if (pattern.length != path.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                if (path[i].isEmpty()) {
                    return null;
                }
                params.put(p.substring(1, p.length() - 1), path[i]);
            } else if (!p.equals(path[i])) {
                return null;
            }
        }
        return params;
    }
}
