package dev.sandboxsshd.pty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sandboxsshd.api.ApiJson;
import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.shell.PtySize;

/** {@code POST /api/v1/pty} and {@code .../resize} bodies: defaults, limits, and each field's refusal. */
class PtyCreateRequestTest {
    private static Refused refused(Kind kind, Executable call) {
        Refused e = assertThrows(Refused.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    private static PtyCreateRequest create(String json) throws Refused {
        return PtyCreateRequest.parse(ApiJson.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static PtySize resize(String json) throws Refused {
        return PtyCreateRequest.parseResize(ApiJson.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void onlyTheCommandIsRequired() throws Exception {
        PtyCreateRequest r = create("{\"command\": \"/bin/sh\"}");
        assertEquals("/bin/sh", r.command());
        assertEquals(List.of(), r.args());
        assertEquals(Map.of(), r.env());
        assertNull(r.workingDir());
        assertEquals(new PtySize(80, 24), r.size());
        assertEquals(r, create("{\"command\": \"/bin/sh\", \"args\": null, \"env\": null, \"working_dir\": null,"
                + " \"rows\": null, \"cols\": null}"), "null is absent");
    }

    @Test
    void everyField() throws Exception {
        PtyCreateRequest r = create("{\"command\": \"bash\", \"args\": [\"-l\", \"\"], \"env\": {\"A\": \"1\", \"B\": \"\"},"
                + " \"working_dir\": \"/tmp\", \"rows\": 10000, \"cols\": 1, \"future\": true}");
        assertEquals("bash", r.command());
        assertEquals(List.of("-l", ""), r.args());
        assertEquals(Map.of("A", "1", "B", ""), r.env());
        assertEquals("/tmp", r.workingDir());
        assertEquals(new PtySize(1, PtySize.MAX), r.size());
    }

    static Stream<Arguments> refusedCreates() {
        return Stream.of(
                Arguments.of("[]", "request body must be a JSON object"),
                Arguments.of("\"/bin/sh\"", "request body must be a JSON object"),
                Arguments.of("{}", "command is required"),
                Arguments.of("{\"command\": null}", "command is required"),
                Arguments.of("{\"command\": \"\"}", "command must be a non-empty string, got string \"\""),
                Arguments.of("{\"command\": 5}", "command must be a non-empty string, got number 5"),
                Arguments.of("{\"command\": [\"sh\"]}", "command must be a non-empty string, got an array"),
                Arguments.of("{\"command\": \"" + "x".repeat(50) + "\\u0000\"}", "command contains a NUL character (\\u0000)"),
                Arguments.of("{\"command\": true}", "command must be a non-empty string, got boolean true"),
                Arguments.of("{\"command\": \"sh\", \"args\": \"-c\"}", "args must be an array of strings, got string \"-c\""),
                Arguments.of("{\"command\": \"sh\", \"args\": {}}", "args must be an array of strings, got an object"),
                Arguments.of("{\"command\": \"sh\", \"args\": [\"a\", 1]}", "args[1] must be a string, got number 1"),
                Arguments.of("{\"command\": \"sh\", \"args\": [null]}", "args[0] must be a string, got null null"),
                Arguments.of("{\"command\": \"sh\", \"args\": [\"a\\u0000\"]}", "args[0] contains a NUL character"),
                Arguments.of("{\"command\": \"sh\", \"env\": []}", "env must be an object of strings, got an array"),
                Arguments.of("{\"command\": \"sh\", \"env\": {\"\": \"x\"}}", "env has an invalid variable name: \"\""),
                Arguments.of("{\"command\": \"sh\", \"env\": {\"A=B\": \"x\"}}", "env has an invalid variable name: \"A=B\""),
                Arguments.of("{\"command\": \"sh\", \"env\": {\"A\\u0000\": \"x\"}}", "env has an invalid variable name"),
                Arguments.of("{\"command\": \"sh\", \"env\": {\"A\": 1}}", "env.A must be a string, got number 1"),
                Arguments.of("{\"command\": \"sh\", \"env\": {\"A\": \"\\u0000\"}}", "env.A contains a NUL character"),
                Arguments.of("{\"command\": \"sh\", \"working_dir\": \"\"}", "working_dir must be a non-empty string, got string \"\""),
                Arguments.of("{\"command\": \"sh\", \"working_dir\": 1}", "working_dir must be a non-empty string, got number 1"),
                Arguments.of("{\"command\": \"sh\", \"working_dir\": \"/t\\u0000mp\"}", "working_dir contains a NUL character"),
                Arguments.of("{\"command\": \"sh\", \"rows\": 0}", "rows must be between 1 and 10000, got 0"),
                Arguments.of("{\"command\": \"sh\", \"cols\": 10001}", "cols must be between 1 and 10000, got 10001"),
                Arguments.of("{\"command\": \"sh\", \"rows\": -1}", "rows must be between 1 and 10000, got -1"),
                Arguments.of("{\"command\": \"sh\", \"rows\": 1.5}", "rows must be an integer, got number 1.5"),
                Arguments.of("{\"command\": \"sh\", \"rows\": \"24\"}", "rows must be an integer, got string \"24\""),
                Arguments.of("{\"command\": \"sh\", \"cols\": 4294967376}", "cols must be an integer, got number 4294967376"),
                Arguments.of("{\"command\": \"" + "y".repeat(50) + "\", \"rows\": \"" + "z".repeat(50) + "\"}",
                        "rows must be an integer, got string \"" + "z".repeat(39) + "…"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("refusedCreates")
    void eachFieldIsRefusedByName(String body, String message) {
        Refused e = refused(Kind.INVALID_INPUT, () -> create(body));
        assertEquals(message, e.getMessage().substring(0, Math.min(message.length(), e.getMessage().length())));
    }

    @Test
    void resizeNeedsBoth() throws Exception {
        assertEquals(new PtySize(132, 50), resize("{\"rows\": 50, \"cols\": 132}"));
        assertEquals("rows is required", refused(Kind.INVALID_INPUT, () -> resize("{\"cols\": 1}")).getMessage());
        assertEquals("cols is required", refused(Kind.INVALID_INPUT, () -> resize("{\"rows\": 1}")).getMessage());
        assertEquals("request body must be a JSON object",
                refused(Kind.INVALID_INPUT, () -> resize("[50, 132]")).getMessage());
        assertEquals("cols must be between 1 and 10000, got 0",
                refused(Kind.INVALID_INPUT, () -> resize("{\"rows\": 1, \"cols\": 0}")).getMessage());
    }
}
