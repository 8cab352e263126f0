package dev.sandboxsshd.api;

import java.util.List;

/**
 * A request refused, in the terms of what went wrong; only the HTTP edge ({@link ApiEdge}) turns the kind into a
 * status. The message is the reply's {@code error}: for bad input it names the field. The code is the reply's
 * {@code code}, stable for programs to branch on: the kind's own ({@link Kind#code()}) unless a case has a code of its
 * own, as Tensorlake's in-sandbox daemon names it ({@code TOO_MANY_SESSIONS}).
 */
public final class Refused extends Exception {
    /** What went wrong. */
    public enum Kind {
        /** A field's value is wrong, or the body is not the JSON object expected. */
        INVALID_INPUT("INVALID_REQUEST"),
        /** The body is larger than the API reads. */
        TOO_LARGE("PAYLOAD_TOO_LARGE"),
        /** No such endpoint or session. */
        NOT_FOUND("NOT_FOUND"),
        /** A limit is reached: retry once something is freed. */
        LIMIT_REACHED("LIMIT_REACHED"),
        /** It exists but cannot do that in its present state. */
        CONFLICT("CONFLICT"),
        /** The daemon could not do it: listen, persist its state, start a process. */
        FAILED("OPERATION_FAILED"),
        /** The caller did not prove who it is. */
        UNAUTHENTICATED("UNAUTHORIZED"),
        /** The path exists, for other methods only ({@link #allowed()}). */
        WRONG_METHOD("METHOD_NOT_ALLOWED");

        private final String code;

        Kind(String code) {
            this.code = code;
        }

        /** The reply's {@code code} for a refusal of this kind that has none of its own. */
        public String code() {
            return code;
        }
    }

    private final Kind kind;
    private final String code;
    private final List<String> allowed;

    public Refused(Kind kind, String message) {
        this(kind, kind.code(), message, List.of());
    }

    /** A refusal whose case has a code of its own (upper case, digits and underscores). */
    public Refused(Kind kind, String code, String message) {
        this(kind, code, message, List.of());
    }

    private Refused(Kind kind, String code, String message, List<String> allowed) {
        super(message);
        if (!code.matches("[A-Z][A-Z0-9_]*")) {
            throw new IllegalArgumentException("not an error code: " + code);
        }
        this.kind = kind;
        this.code = code;
        this.allowed = List.copyOf(allowed);
    }

    static Refused wrongMethod(String method, List<String> allowed) {
        return new Refused(Kind.WRONG_METHOD, Kind.WRONG_METHOD.code(),
                "method " + method + " not allowed; use " + String.join(", ", allowed), allowed);
    }

    public Kind kind() {
        return kind;
    }

    /** The reply's {@code code}. */
    public String code() {
        return code;
    }

    /** For {@link Kind#WRONG_METHOD}: the methods the path has. */
    public List<String> allowed() {
        return allowed;
    }
}
