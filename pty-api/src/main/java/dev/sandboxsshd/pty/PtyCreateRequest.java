package dev.sandboxsshd.pty;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.shell.PtySize;

/**
 * {@code POST /api/v1/pty}: {@code command} required; {@code args}, {@code env}, {@code working_dir} optional (the
 * user's home); {@code rows}/{@code cols} default 24/80, each 1..10000.
 */
public record PtyCreateRequest(String command, List<String> args, Map<String, String> env, String workingDir, PtySize size) {
    static final int DEFAULT_ROWS = 24;
    static final int DEFAULT_COLS = 80;

    public static PtyCreateRequest parse(JsonNode body) throws Refused {
        if (body == null || !body.isObject()) {
            throw new Refused(Kind.INVALID_INPUT, "request body must be a JSON object");
        }
        JsonNode command = body.get("command");
        if (command == null || command.isNull()) {
            throw new Refused(Kind.INVALID_INPUT, "command is required");
        }
        if (!command.isTextual() || command.asText().isEmpty()) {
            throw new Refused(Kind.INVALID_INPUT, "command must be a non-empty string, got " + describe(command));
        }
        refuseNul("command", command.asText());
        List<String> args = new ArrayList<>();
        JsonNode argsNode = body.get("args");
        if (argsNode != null && !argsNode.isNull()) {
            if (!argsNode.isArray()) {
                throw new Refused(Kind.INVALID_INPUT, "args must be an array of strings, got " + describe(argsNode));
            }
            for (int i = 0; i < argsNode.size(); i++) {
                JsonNode arg = argsNode.get(i);
                if (!arg.isTextual()) {
                    throw new Refused(Kind.INVALID_INPUT, "args[" + i + "] must be a string, got " + describe(arg));
                }
                refuseNul("args[" + i + "]", arg.asText());
                args.add(arg.asText());
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode envNode = body.get("env");
        if (envNode != null && !envNode.isNull()) {
            if (!envNode.isObject()) {
                throw new Refused(Kind.INVALID_INPUT, "env must be an object of strings, got " + describe(envNode));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = envNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().isEmpty() || e.getKey().contains("=") || e.getKey().indexOf('\0') >= 0) {
                    throw new Refused(Kind.INVALID_INPUT, "env has an invalid variable name: \"" + e.getKey() + "\"");
                }
                if (!e.getValue().isTextual()) {
                    throw new Refused(Kind.INVALID_INPUT, "env." + e.getKey() + " must be a string, got " + describe(e.getValue()));
                }
                refuseNul("env." + e.getKey(), e.getValue().asText());
                env.put(e.getKey(), e.getValue().asText());
            }
        }
        String workingDir = null;
        JsonNode dirNode = body.get("working_dir");
        if (dirNode != null && !dirNode.isNull()) {
            if (!dirNode.isTextual() || dirNode.asText().isEmpty()) {
                throw new Refused(Kind.INVALID_INPUT, "working_dir must be a non-empty string, got " + describe(dirNode));
            }
            workingDir = dirNode.asText();
            refuseNul("working_dir", workingDir);
        }
        int rows = dimension(body, "rows", DEFAULT_ROWS);
        int cols = dimension(body, "cols", DEFAULT_COLS);
        return new PtyCreateRequest(command.asText(), List.copyOf(args), Map.copyOf(env), workingDir, new PtySize(cols, rows));
    }

    /** {@code POST /api/v1/pty/{id}/resize}'s body: {@code rows} and {@code cols}, both required. */
    public static PtySize parseResize(JsonNode body) throws Refused {
        if (!body.isObject()) {
            throw new Refused(Kind.INVALID_INPUT, "request body must be a JSON object");
        }
        int rows = dimension(body, "rows", null);
        int cols = dimension(body, "cols", null);
        return new PtySize(cols, rows);
    }

    /** {@code rows}/{@code cols} of a create or resize body. */
    public static int dimension(JsonNode body, String field, Integer fallback) throws Refused {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (fallback == null) {
                throw new Refused(Kind.INVALID_INPUT, field + " is required");
            }
            return fallback;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new Refused(Kind.INVALID_INPUT, field + " must be an integer, got " + describe(node));
        }
        try {
            return PtySize.checked(field, node.asInt());
        } catch (IllegalArgumentException e) {
            throw new Refused(Kind.INVALID_INPUT, e.getMessage());
        }
    }

    /**
     * Every string here reaches the kernel as a C string, which ends at a NUL: a command of {@code /bin/sh}, a NUL
     * and more ran {@code /bin/sh}, and a NUL in a path or a bare command name was a 500.
     */
    private static void refuseNul(String field, String value) throws Refused {
        if (value.indexOf('\0') >= 0) {
            throw new Refused(Kind.INVALID_INPUT, field + " contains a NUL character (\\u0000)");
        }
    }

    private static String describe(JsonNode node) {
        String type = node.getNodeType().name().toLowerCase();
        if (!node.isValueNode()) {
            return "an " + type;
        }
        String text = node.toString();
        return type + " " + (text.length() > 40 ? text.substring(0, 40) + "…" : text);
    }
}
