package dev.sandboxsshd.server.session;

/**
 * Which client {@code env} requests reach the user's process: Debian's {@code AcceptEnv LANG LC_*} plus the
 * terminal hints editors send. Everything else is refused, as OpenSSH refuses names outside AcceptEnv.
 */
final class AcceptedEnvironment {
    /** At most this many accepted variables per session; further requests are refused. */
    static final int MAX_VARIABLES = 64;

    private AcceptedEnvironment() {
    }

    static boolean accepts(String name) {
        return name.equals("LANG") || name.startsWith("LC_") || name.equals("COLORTERM")
                || name.startsWith("TERM_PROGRAM");
    }
}
