package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.io.OutputStream;

import org.apache.sshd.scp.common.ScpTransferEventListener;
import org.apache.sshd.scp.server.ScpCommand;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;

import dev.sandboxsshd.shell.OutputBudget;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.keys.SessionUser;

/**
 * Exec requests for the legacy SCP protocol ({@code scp -t} / {@code scp -f}, what {@code scp -O} runs) are served
 * in the JVM with the user's filesystem identity, since sandbox images have no scp binary; every other command goes
 * to the shell.
 */
public final class ScpCommands implements CommandFactory {
    private static final int BUFFER = 128 * 1024;
    private final CommandFactory shell;
    private final DescriptorReserve reserve;
    private final OutputBudget output;

    private final ScpTransferEventListener listener;

    /** @param listener told of every file and directory sent or received (the audit trail); null for none */
    public ScpCommands(CommandFactory shell, DescriptorReserve reserve, OutputBudget output,
                       ScpTransferEventListener listener) {
        this.shell = shell;
        this.reserve = reserve;
        this.output = output;
        this.listener = listener;
    }

    @Override
    public Command createCommand(ChannelSession channel, String command) throws IOException {
        if (!isScpServerCommand(command)) {
            return shell.createCommand(channel, command);
        }
        PosixUser user = SessionUser.of(channel.getSession());
        return new ScpCommand(channel, command, UserExecutors.singleThread(user, "scp"), BUFFER, BUFFER,
                new HomeScpFileOpener(user.home(), reserve), listener) {
            @Override
            public void setOutputStream(OutputStream out) {
                super.setOutputStream(new ChannelDataStream(channel, output));
            }
        };
    }

    /** {@code scp} with {@code -t} or {@code -f} among its options: the remote end of a legacy transfer. */
    static boolean isScpServerCommand(String command) {
        String[] words = command.strip().split("\\s+");
        if (words.length < 2 || !words[0].equals("scp")) {
            return false;
        }
        for (int i = 1; i < words.length && words[i].startsWith("-") && !words[i].equals("--"); i++) {
            if (words[i].indexOf('t') > 0 || words[i].indexOf('f') > 0) {
                return true;
            }
        }
        return false;
    }

}
