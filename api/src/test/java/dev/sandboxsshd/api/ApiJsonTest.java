package dev.sandboxsshd.api;

import static dev.sandboxsshd.api.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.sandboxsshd.api.Refused.Kind;

/** The API's strict reader, and replies written with snake_case names and nulls kept. */
class ApiJsonTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "|request body is empty; expected JSON",
            "not json|request body is not valid JSON: Unrecognized token 'not'",
            "{\"a\": 1|request body is not valid JSON: Unexpected end-of-input",
            "{} {}|request body is not valid JSON: Trailing token",
            "{\"a\": 1, \"a\": 2}|request body is not valid JSON: Duplicate field 'a'",
    })
    void badBodiesAreInvalidInput(String body, String message) {
        Refused e = refused(Kind.INVALID_INPUT, () -> ApiJson.parse(bytes(body == null ? "" : body)));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void theLimitIsInclusive() throws Exception {
        String most = "\"" + "a".repeat(ApiJson.MAX_BODY - 2) + "\"";
        assertEquals(ApiJson.MAX_BODY - 2, ApiJson.parse(bytes(most)).asText().length());
        Refused e = refused(Kind.TOO_LARGE, () -> ApiJson.parse(bytes(most + " ")));
        assertEquals("request body is over the limit of 65536 bytes", e.getMessage());
    }

    record Reply(String sessionId, Integer exitCode, List<String> args) {
    }

    @Test
    void repliesAreSnakeCaseWithNullsKept() throws Exception {
        assertEquals("{\"session_id\":\"s\",\"exit_code\":null,\"args\":[\"a\"]}",
                new String(ApiJson.write(new Reply("s", null, List.of("a"))), StandardCharsets.UTF_8));
    }
}
