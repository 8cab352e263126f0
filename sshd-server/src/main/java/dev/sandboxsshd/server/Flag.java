package dev.sandboxsshd.server;

import java.util.function.Function;

/**
 * One command-line flag as {@link Flags} declares it: its name, the value it takes (null for a switch), how that
 * value is read, its default and what it means. Parsing, {@code --help} and README's flag table all read these.
 *
 * @param meaning Markdown, as README shows it; {@code --help} drops the backquotes
 */
public record Flag<T>(String name, String value, Parser<T> parser, Default<T> byDefault, String meaning) {

    /** Reads a flag's value; an IllegalArgumentException's message is printed after the flag's name. */
    public interface Parser<T> {
        T parse(String value);
    }

    /** What the other flags of the same command line, and the machine, give; some defaults depend on them. */
    public interface Given {
        Flags.Machine machine();

        <U> U get(Flag<U> flag);
    }

    /**
     * A flag's default: the value when the flag is absent, and how README and {@code --help} say it (Markdown).
     */
    public record Default<T>(String text, Function<Given, T> value) {
        static <T> Default<T> of(T value) {
            return of(value, String::valueOf);
        }

        static <T> Default<T> of(T value, Function<T, String> format) {
            return new Default<>(code(format.apply(value)), given -> value);
        }

        static <T> Default<T> byRoot(T asRoot, T otherwise) {
            return new Default<>(code(String.valueOf(asRoot)) + " as root, " + code(String.valueOf(otherwise))
                    + " otherwise", given -> given.machine().root() ? asRoot : otherwise);
        }

        /** No value: a switch is off, an optional value is absent (null). */
        static <T> Default<T> none(String text) {
            return new Default<>(text, given -> null);
        }

        static String code(String text) {
            return "`" + text + "`";
        }
    }

    /** A flag that takes a value. */
    static <T> Flag<T> value(String name, String value, Parser<T> parser, Default<T> byDefault, String meaning) {
        return new Flag<>(name, value, parser, byDefault, meaning);
    }

    /** A flag that takes no value: present is true. */
    static Flag<Boolean> toggle(String name, String whenAbsent, String meaning) {
        return new Flag<>(name, null, text -> true, new Default<>(whenAbsent, given -> false), meaning);
    }

    boolean isSwitch() {
        return value == null;
    }

    /** The flag as it is typed: its name and the value it takes. */
    String usage() {
        return value == null ? name : name + " " + value;
    }
}
