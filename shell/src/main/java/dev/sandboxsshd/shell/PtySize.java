package dev.sandboxsshd.shell;

/** A terminal size in character cells. */
public record PtySize(int cols, int rows) {
    public static final int MAX = 10_000;

    public PtySize {
        if (cols < 1 || cols > MAX) {
            throw new IllegalArgumentException("cols must be between 1 and " + MAX + ", got " + cols);
        }
        if (rows < 1 || rows > MAX) {
            throw new IllegalArgumentException("rows must be between 1 and " + MAX + ", got " + rows);
        }
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
