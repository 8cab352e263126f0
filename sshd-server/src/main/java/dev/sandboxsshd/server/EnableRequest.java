package dev.sandboxsshd.server;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.keys.InvalidPublicKeyException;
import dev.sandboxsshd.keys.PublicKeyLine;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserDatabase;

/** A validated enable request: the proxy's key and the local account it may log in as. */
public record EnableRequest(PublicKeyLine proxyKey, PosixUser backendUser) {
    public static final String DEFAULT_BACKEND_USER = "tl-user";

    /** {@code POST /api/v1/ssh/enable}'s body: {@code proxy_pubkey} (a string) and {@code backend_user} (optional). */
    public static EnableRequest parse(JsonNode root) throws Refused {
        if (!root.isObject()) {
            throw new Refused(Kind.INVALID_INPUT, "request body must be a JSON object");
        }
        JsonNode key = root.get("proxy_pubkey");
        if (key == null || key.isNull()) {
            throw new Refused(Kind.INVALID_INPUT, "proxy_pubkey is required");
        }
        if (!key.isTextual()) {
            throw new Refused(Kind.INVALID_INPUT, "proxy_pubkey must be a string, got " + key.getNodeType().name().toLowerCase());
        }
        JsonNode user = root.get("backend_user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw new Refused(Kind.INVALID_INPUT, "backend_user must be a string, got " + user.getNodeType().name().toLowerCase());
        }
        return validate(key.asText(), user == null || user.isNull() ? null : user.asText());
    }

    /**
     * Validates the two fields as the API receives them; the CLI's {@code --enable-key} goes through here too.
     *
     * @param backendUser null for the default
     */
    public static EnableRequest validate(String proxyPubkey, String backendUser) throws Refused {
        PublicKeyLine key;
        try {
            key = PublicKeyLine.parse("proxy_pubkey", proxyPubkey);
        } catch (InvalidPublicKeyException e) {
            throw new Refused(Kind.INVALID_INPUT, e.getMessage());
        }
        String userName = backendUser == null ? DEFAULT_BACKEND_USER : backendUser;
        if (userName.isEmpty()) {
            throw new Refused(Kind.INVALID_INPUT, "backend_user is empty");
        }
        PosixUser user = UserDatabase.byName(userName)
                .orElseThrow(() -> new Refused(Kind.INVALID_INPUT, "backend_user '" + printable(userName) + "' does not exist on this machine"));
        if (!UserDatabase.runningAsRoot()) {
            PosixUser self = UserDatabase.current();
            if (self.uid() != user.uid()) {
                throw new Refused(Kind.INVALID_INPUT, "backend_user '" + user.name() + "' is not allowed: the daemon runs as '"
                        + self.name() + "' (not root) and can only serve its own user");
            }
        }
        return new EnableRequest(key, user);
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
