package dev.sandboxsshd.shell;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * pam_env's simple files ({@code /etc/environment}, {@code /etc/default/locale}): {@code NAME=value} lines, an
 * optional {@code export }, matching quotes around the value removed, comments and anything else ignored.
 */
public final class EnvironmentFile {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private EnvironmentFile() {
    }

    public static Map<String, String> parse(String content) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String raw : content.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq <= 0 || !NAME.matcher(line.substring(0, eq)).matches()) {
                continue;
            }
            String value = line.substring(eq + 1);
            if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                    && value.charAt(value.length() - 1) == value.charAt(0)) {
                value = value.substring(1, value.length() - 1);
            }
            if (value.indexOf('\0') < 0) {
                variables.put(line.substring(0, eq), value);
            }
        }
        return variables;
    }
}
