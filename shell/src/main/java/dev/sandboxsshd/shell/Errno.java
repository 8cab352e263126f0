package dev.sandboxsshd.shell;

/**
 * errno texts as the JDK puts them in exception reasons: libc's {@code strerror} in the process locale (the JVM
 * calls setlocale), so comparisons hold in any language.
 */
public final class Errno {
    /** The reason the JDK gives for EPERM ("Operation not permitted" in English). */
    public static final String EPERM_REASON = LibC.INSTANCE.strerror(1);

    private Errno() {
    }
}
