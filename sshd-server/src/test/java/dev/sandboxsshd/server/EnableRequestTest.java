package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sandboxsshd.api.ApiJson;
import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;

/** {@code POST /api/v1/ssh/enable}'s body: the default user and each field's refusal (run as root, as CI does). */
class EnableRequestTest {
    private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEDpwPkPEG1vRvgkE39320Hv4vHQPa33ySX7x9qkD8S3 test";

    private static Refused refused(Kind kind, Executable call) {
        Refused e = assertThrows(Refused.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    private static EnableRequest parse(String json) throws Refused {
        return EnableRequest.parse(ApiJson.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theUserDefaultsToTheBackendUser() throws Exception {
        EnableRequest r = parse("{\"proxy_pubkey\": \"" + KEY + "\"}");
        assertEquals("tl-user", r.backendUser().name());
        assertEquals("ssh-ed25519", r.proxyKey().type());
        assertEquals(r, parse("{\"proxy_pubkey\": \"" + KEY + "\", \"backend_user\": null, \"other\": 1}"));
        assertEquals("root", parse("{\"proxy_pubkey\": \"" + KEY + "\", \"backend_user\": \"root\"}").backendUser().name());
    }

    static Stream<Arguments> refusedBodies() {
        return Stream.of(
                Arguments.of("[]", "request body must be a JSON object"),
                Arguments.of("{}", "proxy_pubkey is required"),
                Arguments.of("{\"proxy_pubkey\": null}", "proxy_pubkey is required"),
                Arguments.of("{\"proxy_pubkey\": 5}", "proxy_pubkey must be a string, got number"),
                Arguments.of("{\"proxy_pubkey\": [\"" + KEY + "\"]}", "proxy_pubkey must be a string, got array"),
                Arguments.of("{\"proxy_pubkey\": \"\"}", "proxy_pubkey is empty; expected an OpenSSH public key line"),
                Arguments.of("{\"proxy_pubkey\": \"ssh-foo AAAA\"}", "proxy_pubkey has unknown key type 'ssh-foo'"),
                Arguments.of("{\"proxy_pubkey\": \"" + KEY + "\", \"backend_user\": 7}", "backend_user must be a string, got number"),
                Arguments.of("{\"proxy_pubkey\": \"" + KEY + "\", \"backend_user\": \"\"}", "backend_user is empty"),
                Arguments.of("{\"proxy_pubkey\": \"" + KEY + "\", \"backend_user\": \"no-such-user-4711\"}",
                        "backend_user 'no-such-user-4711' does not exist on this machine"),
                Arguments.of("{\"proxy_pubkey\": \"" + KEY + "\", \"backend_user\": \"a\\u0001\\nb\"}",
                        "backend_user 'a??b' does not exist on this machine"),
                Arguments.of("{\"proxy_pubkey\": \"" + KEY + "\", \"backend_user\": \"" + "u".repeat(65) + "\"}",
                        "backend_user '" + "u".repeat(64) + "...' does not exist on this machine"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("refusedBodies")
    void eachFieldIsRefusedByName(String body, String message) {
        Refused e = refused(Kind.INVALID_INPUT, () -> parse(body));
        assertEquals(message, e.getMessage().substring(0, Math.min(message.length(), e.getMessage().length())));
    }

    @Test
    void theCommandLineGoesThroughTheSameChecks() {
        assertEquals("backend_user is empty",
                refused(Kind.INVALID_INPUT, () -> EnableRequest.validate(KEY, "")).getMessage());
        assertEquals("proxy_pubkey is a private key; send the public key line (the .pub file) instead",
                refused(Kind.INVALID_INPUT,
                        () -> EnableRequest.validate("-----BEGIN OPENSSH PRIVATE KEY-----", null)).getMessage());
    }
}
