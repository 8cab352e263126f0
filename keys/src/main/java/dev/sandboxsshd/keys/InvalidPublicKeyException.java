package dev.sandboxsshd.keys;

/** A public-key line was refused; the message names the field and says what is wrong with it. */
public final class InvalidPublicKeyException extends Exception {
    public InvalidPublicKeyException(String message) {
        super(message);
    }
}
