package dev.sandboxsshd.shell;

/** A terminal size in character cells, each side 1..{@link #MAX}: the one place that range is checked. */
public record PtySize(int cols, int rows) {
    public static final int MAX = 10_000;

    public PtySize {
        checked("cols", cols);
        checked("rows", rows);
    }

    /**
     * @return {@code value}, when it is a usable side
     * @throws IllegalArgumentException naming {@code field} and the range otherwise
     */
    public static int checked(String field, int value) {
        if (value < 1 || value > MAX) {
            throw new IllegalArgumentException(field + " must be between 1 and " + MAX + ", got " + value);
        }
        return value;
    }

    /** Clamps what a client sent (SSH clients may send 0 for unknown) to a usable size. */
    public static PtySize lenient(int cols, int rows) {
        return new PtySize(clamp(cols, 80), clamp(rows, 24));
    }

    private static int clamp(int v, int fallback) {
        if (v < 1) {
            return fallback;
        }
        return Math.min(v, MAX);
    }
}
