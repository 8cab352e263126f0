package dev.sandboxsshd.server.session;

import java.io.IOException;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * MINA's session channel, which can only report {@code exit-status}, taught to report a process killed by a signal
 * with {@code exit-signal} as sshd does (the OpenSSH client then exits 255 rather than pretending a code).
 */
final class UserChannelSession extends ChannelSession {
    private volatile String exitSignal;
    private volatile boolean coreDumped;

    /** Makes the coming exit report a signal death; call before the command's exit callback. */
    void exitBySignal(String signalName, boolean core) {
        this.exitSignal = signalName;
        this.coreDumped = core;
    }

    @Override
    protected void sendExitStatus(int code) throws IOException {
        String signal = exitSignal;
        if (signal == null) {
            super.sendExitStatus(code);
            return;
        }
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
        buffer.putUInt(getRecipient());
        buffer.putString("exit-signal");
        buffer.putBoolean(false);
        buffer.putString(signal);
        buffer.putBoolean(coreDumped);
        buffer.putString("");
        buffer.putString("");
        writePacket(buffer);
    }
}
