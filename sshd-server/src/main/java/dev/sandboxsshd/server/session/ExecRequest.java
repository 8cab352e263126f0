package dev.sandboxsshd.server.session;

import java.io.IOException;
import java.util.Optional;

import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/**
 * The "exec" request's command line, checked before any command factory sees it. A command holding a NUL would
 * reach the shell cut at the NUL ({@code "echo before\0; echo after"} ran {@code echo before}); OpenSSH's
 * session_exec_req reads it with sshpkt_get_cstring, which refuses an embedded NUL as an invalid format, and the
 * connection ends (no reply, no disconnect message). So does this: one log line, then the session is closed.
 */
public final class ExecRequest implements CommandFactory {
    private static final Logger LOG = LoggerFactory.getLogger(ExecRequest.class);
    private final CommandFactory next;

    public ExecRequest(CommandFactory next) {
        this.next = next;
    }

    /** Why the command line must not run, as the log line says it; empty when it may. */
    public static Optional<String> refusal(String command) {
        int nul = command.indexOf('\0');
        return nul < 0 ? Optional.empty() : Optional.of("command holds a NUL at offset " + nul);
    }

    @Override
    public Command createCommand(ChannelSession channel, String command) throws IOException {
        Optional<String> refused = refusal(command);
        if (refused.isPresent()) {
            LOG.warn("refused exec request: remote={} reason={} command=\"{}\"",
                    Addresses.of(channel.getSession().getRemoteAddress()),
                    refused.get(), LogText.escape(command));
            channel.getSession().close(true);
            throw new IOException("exec request refused: " + refused.get());
        }
        return next.createCommand(channel, command);
    }
}
