package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.sandboxsshd.api.ApiEdge;
import dev.sandboxsshd.api.ApiJson;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.keys.PublicKeyLine;

/**
 * The body of {@code POST /api/v1/ssh/enable}, from the bytes on, through the API's own strict JSON reader, the key
 * line parser and the account lookup: a request or a {@link Refused} the API answers with a 4xx status, never another exception.
 * Replayed from {@code EnableRequestFuzzTestInputs/body/} in the unit phase; fuzzing: README "Fuzzing".
 */
class EnableRequestFuzzTest {
    /** The field names (looked up by hash, where the fuzzer cannot see them), key types, users, JSON escapes. */
    @DictionaryEntries({"\"proxy_pubkey\":", "\"backend_user\":", "ssh-ed25519 ", "ssh-rsa ", "root", "tl-user",
            "\\u0000", "\\n", "\\ud800", "null", "true", "[]", "{}"})
    @FuzzTest
    @Timeout(10)
    void body(byte[] body) {
        EnableRequest request;
        try {
            request = EnableRequest.parse(ApiJson.parse(body));
        } catch (Refused e) {
            assertTrue(ApiEdge.status(e) >= 400 && ApiEdge.status(e) < 500, ApiEdge.status(e) + " " + e.getMessage());
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().isEmpty());
            return;
        }
        assertTrue(PublicKeyLine.ACCEPTED_TYPES.contains(request.proxyKey().type()));
        assertFalse(request.backendUser().name().isEmpty());
    }
}
