package dev.sandboxsshd.server;

/**
 * The JUnit tag of the few end-to-end tests whose scenario is time itself passing (a client stopped for longer than
 * a timeout). `mvn verify` leaves them out; `mvn verify -Dslow` (what `.ci/run` runs) includes them.
 */
final class Slow {
    static final String TAG = "slow";

    private Slow() {
    }
}
