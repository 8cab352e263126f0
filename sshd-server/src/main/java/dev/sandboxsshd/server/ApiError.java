package dev.sandboxsshd.server;

/** A request refused with an HTTP status and a message for the JSON {@code error} field. */
public final class ApiError extends Exception {
    private final int status;

    public ApiError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
