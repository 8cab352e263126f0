package dev.sandboxsshd.pty;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.sandboxsshd.api.ApiEdge;
import dev.sandboxsshd.api.ApiJson;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.shell.PtySize;

/**
 * The bodies of {@code POST /api/v1/pty} and {@code POST /api/v1/pty/{id}/resize}, from the bytes on, through the
 * API's own strict JSON reader: each gives a request the launcher can use or a {@link Refused} the API answers with a 4xx status,
 * never another exception. Replayed from {@code PtyCreateRequestFuzzTestInputs/<method>/} in the unit phase;
 * fuzzing: README "Fuzzing".
 */
class PtyCreateRequestFuzzTest {
    // dictionaries: JSON's tokens and escapes, and the field names the parser looks up by hash, where the fuzzer's
    // comparison hooks cannot see them
    @DictionaryEntries({"\"command\":", "\"args\":", "\"env\":", "\"working_dir\":", "\"rows\":", "\"cols\":",
            "\\u0000", "\\u001b", "\\ud800", "\\\"", "null", "true", "[]", "{}", "1e309", "-0", "10000", "10001"})
    @FuzzTest
    @Timeout(10)
    void create(byte[] body) {
        PtyCreateRequest request;
        try {
            request = PtyCreateRequest.parse(ApiJson.parse(body));
        } catch (Refused e) {
            assertClientError(e);
            return;
        }
        // what goes to posix_spawn and chdir as C strings: non-empty where needed, and never cut short by a NUL
        assertCString(request.command());
        assertFalse(request.command().isEmpty());
        request.args().forEach(PtyCreateRequestFuzzTest::assertCString);
        for (Map.Entry<String, String> e : request.env().entrySet()) {
            assertFalse(e.getKey().isEmpty() || e.getKey().contains("="), e.getKey());
            assertCString(e.getKey());
            assertCString(e.getValue());
        }
        if (request.workingDir() != null) {
            assertFalse(request.workingDir().isEmpty());
            assertCString(request.workingDir());
        }
        assertInRange(request.size());
    }

    @DictionaryEntries({"\"rows\":", "\"cols\":", "null", "true", "[]", "{}", "1e309", "-0", "10000", "10001", "65536"})
    @FuzzTest
    @Timeout(10)
    void resize(byte[] body) {
        try {
            assertInRange(PtyCreateRequest.parseResize(ApiJson.parse(body)));
        } catch (Refused e) {
            assertClientError(e);
        }
    }

    static void assertClientError(Refused e) {
        assertTrue(ApiEdge.status(e) >= 400 && ApiEdge.status(e) < 500, ApiEdge.status(e) + " " + e.getMessage());
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }

    private static void assertCString(String s) {
        assertTrue(s.indexOf('\0') < 0, () -> "a NUL got through: " + s.replace("\0", "\\0"));
    }

    private static void assertInRange(PtySize size) {
        assertTrue(size.cols() >= 1 && size.cols() <= PtySize.MAX && size.rows() >= 1 && size.rows() <= PtySize.MAX);
    }
}
