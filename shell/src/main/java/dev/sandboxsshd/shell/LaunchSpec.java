package dev.sandboxsshd.shell;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to start and as whom. The environment is the complete environment of the new process: nothing of the
 * daemon's own leaks into the user's session. The working directory is entered as the user; when the user may not
 * enter it, {@code orRoot} starts the process in {@code /} with sshd's notice on its stderr (a login's home),
 * otherwise the launch is refused.
 */
public record LaunchSpec(PosixUser user, List<String> command, Map<String, String> environment, Path workingDirectory,
                         boolean orRoot) {
    public LaunchSpec {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }
}
