package dev.sandboxsshd.pty;

import java.util.List;

/** One PTY session as the API shows it; {@code exitCode} is null while it runs. */
public record PtyStatus(String sessionId, String command, List<String> args, long pid, int rows, int cols,
                        String createdAt, int connectedClients, boolean running, Integer exitCode) {
}
