package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.io.OutputStream;

import dev.sandboxsshd.shell.OutputBudget;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * A command's stdout written through {@link ChannelDataWriter}: each write is copied at once into reused
 * channel-data packets, waiting only for the client's window. Nothing is held back, so there is nothing to flush
 * and nothing to lose when the channel closes the stream it made itself.
 */
final class ChannelDataStream extends OutputStream {
    private final ChannelDataWriter writer;

    ChannelDataStream(Channel channel, OutputBudget budget) {
        this.writer = new ChannelDataWriter(channel, budget);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > 0) {
            writer.writeBuffer(new ByteArrayBuffer(b, off, len));
        }
    }
}
