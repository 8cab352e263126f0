package dev.sandboxsshd.api;

import static dev.sandboxsshd.api.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sandboxsshd.api.Refused.Kind;

/** Routing: the pattern's parameters, 404 for what nothing matches, and 405 naming exactly the registered methods. */
class RoutesTest {
    private final Routes routes = new Routes()
            .add("GET", "/api/v1/pty", call -> "list")
            .add("POST", "/api/v1/pty", call -> "create")
            .add("GET", "/api/v1/pty/{id}", call -> "get " + call.param("id"))
            .add("DELETE", "/api/v1/pty/{id}", call -> "kill " + call.param("id"))
            .add("POST", "/api/v1/pty/{id}/resize", call -> "resize " + call.param("id"));

    private Object call(String method, String path) throws Exception {
        Routes.Match match = routes.match(method, path);
        return match.handler().handle(new Routes.Call() {
            @Override
            public String param(String name) {
                return match.params().get(name);
            }

            @Override
            public JsonNode body() {
                throw new AssertionError("no body here");
            }
        });
    }

    @Test
    void findsTheHandlerAndItsParameters() throws Exception {
        assertEquals("list", call("GET", "/api/v1/pty"));
        assertEquals("create", call("POST", "/api/v1/pty"));
        assertEquals("get abc", call("GET", "/api/v1/pty/abc"));
        assertEquals("kill abc", call("DELETE", "/api/v1/pty/abc"));
        assertEquals("resize a-b_c", call("POST", "/api/v1/pty/a-b_c/resize"));
        assertEquals(Map.of("id", "x"), routes.match("POST", "/api/v1/pty/x/resize").params());
    }

    @Test
    void otherMethodsOfAPathAreA405NamingTheRegisteredOnesInOrder() {
        Refused wrong = refused(Kind.WRONG_METHOD, () -> routes.match("PUT", "/api/v1/pty"));
        assertEquals(List.of("GET", "POST"), wrong.allowed());
        assertEquals("method PUT not allowed; use GET, POST", wrong.getMessage());
        assertEquals(List.of("GET", "DELETE"),
                refused(Kind.WRONG_METHOD, () -> routes.match("POST", "/api/v1/pty/x")).allowed());
        assertEquals(List.of("POST"),
                refused(Kind.WRONG_METHOD, () -> routes.match("GET", "/api/v1/pty/x/resize")).allowed());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/pty/", "/api/v1/pty//resize", "/api/v1/pty/x/y", "/api/v1/pty/x/resize/",
            "/api/v1", "/api/v1/ptys", "/API/v1/pty", "/api/v1/pty/x/resize/more"})
    void whatNoPatternMatchesIsA404(String path) {
        assertEquals("no such endpoint: " + path,
                refused(Kind.NOT_FOUND, () -> routes.match("GET", path)).getMessage());
    }

    @Test
    void aRouteIsRegisteredOnce() {
        assertThrows(IllegalArgumentException.class, () -> routes.add("GET", "/api/v1/pty", call -> "again"));
    }

    @Test
    void eachKindHasItsStatus() {
        Map<Kind, Integer> statuses = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            statuses.put(kind, ApiEdge.status(new Refused(kind, "x")));
        }
        assertEquals(Map.of(Kind.INVALID_INPUT, 400, Kind.UNAUTHENTICATED, 401, Kind.NOT_FOUND, 404, Kind.WRONG_METHOD, 405,
                Kind.CONFLICT, 409, Kind.TOO_LARGE, 413, Kind.LIMIT_REACHED, 429, Kind.FAILED, 500), statuses);
    }

    @Test
    void eachKindHasItsCodeAndACaseMayHaveItsOwn() {
        Map<Kind, String> codes = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            codes.put(kind, new Refused(kind, "x").code());
        }
        assertEquals(Map.of(Kind.INVALID_INPUT, "INVALID_REQUEST", Kind.UNAUTHENTICATED, "UNAUTHORIZED",
                Kind.NOT_FOUND, "NOT_FOUND", Kind.WRONG_METHOD, "METHOD_NOT_ALLOWED", Kind.CONFLICT, "CONFLICT",
                Kind.TOO_LARGE, "PAYLOAD_TOO_LARGE", Kind.LIMIT_REACHED, "LIMIT_REACHED", Kind.FAILED, "OPERATION_FAILED"),
                codes);
        assertEquals("METHOD_NOT_ALLOWED", refused(Kind.WRONG_METHOD, () -> routes.match("PUT", "/api/v1/pty")).code());
        assertEquals("TOO_MANY_SESSIONS", new Refused(Kind.LIMIT_REACHED, "TOO_MANY_SESSIONS", "x").code());
        assertThrows(IllegalArgumentException.class, () -> new Refused(Kind.FAILED, "not a code", "x"));
    }

    @Test
    void onlyRoutesAddedOpenAreOpen() throws Exception {
        Routes mixed = new Routes().addOpen("GET", "/api/v1/health", call -> "ok").add("GET", "/api/v1/info", call -> "info");
        assertTrue(mixed.match("GET", "/api/v1/health").open());
        assertFalse(mixed.match("GET", "/api/v1/info").open());
        assertThrows(IllegalArgumentException.class, () -> mixed.add("GET", "/api/v1/health", call -> "again"));
    }
}
