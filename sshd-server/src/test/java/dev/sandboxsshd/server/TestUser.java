package dev.sandboxsshd.server;

import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserDatabase;

/**
 * The account sessions run as: {@code tl-user} when the tests run as root (as in CI, so the privilege drop is
 * really exercised), the current user otherwise (a non-root daemon can only serve itself).
 */
final class TestUser {
    static final boolean ROOT = UserDatabase.runningAsRoot();
    static final String NOT_ROOT = "needs root: run as root (CI does) with a tl-user account to test the privilege drop";

    private TestUser() {
    }

    static PosixUser backend() {
        String name = ROOT ? "tl-user" : UserDatabase.current().name();
        return UserDatabase.byName(name).orElseThrow(() -> new IllegalStateException(
                "user " + name + " does not exist; create it (useradd -m -s /bin/bash -G sudo tl-user) as .ci/run does"));
    }
}
