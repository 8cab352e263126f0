package dev.sandboxsshd.api;

import java.util.List;

/**
 * A request refused, in the terms of what went wrong; only the HTTP edge ({@link ApiEdge}) turns the kind into a
 * status. The message is the reply's {@code error}: for bad input it names the field.
 */
public final class Refused extends Exception {
    /** What went wrong. */
    public enum Kind {
        /** A field's value is wrong, or the body is not the JSON object expected. */
        INVALID_INPUT,
        /** The body is larger than the API reads. */
        TOO_LARGE,
        /** No such endpoint or session. */
        NOT_FOUND,
        /** A limit is reached: retry once something is freed. */
        LIMIT_REACHED,
        /** It exists but cannot do that in its present state. */
        CONFLICT,
        /** The daemon could not do it: listen, persist its state, start a process. */
        FAILED,
        /** The caller did not prove who it is. */
        UNAUTHENTICATED,
        /** The path exists, for other methods only ({@link #allowed()}). */
        WRONG_METHOD
    }

    private final Kind kind;
    private final List<String> allowed;

    public Refused(Kind kind, String message) {
        this(kind, message, List.of());
    }

    private Refused(Kind kind, String message, List<String> allowed) {
        super(message);
        this.kind = kind;
        this.allowed = List.copyOf(allowed);
    }

    static Refused wrongMethod(String method, List<String> allowed) {
        return new Refused(Kind.WRONG_METHOD, "method " + method + " not allowed; use " + String.join(", ", allowed),
                allowed);
    }

    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#WRONG_METHOD}: the methods the path has. */
    public List<String> allowed() {
        return allowed;
    }
}
