package dev.sandboxsshd.server.ops;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferUtils;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * The channel data bytes one channel moved, counted where every channel's data passes: the connection's packets
 * ({@code SSH_MSG_CHANNEL_DATA} and {@code _EXTENDED_DATA}, see {@code IdentificationCheckingSession}). Attached to the
 * channel when it is initialized; a session channel's kind becomes what it runs once it starts.
 */
public final class ChannelTraffic {
    static final AttributeKey<ChannelTraffic> KEY = new AttributeKey<>();
    private static final Map<String, String> KINDS = Map.of("UserChannelSession", "session",
            "DirectTcpipChannel", "direct-tcpip", "DirectStreamLocalChannel", "direct-streamlocal",
            "ForwardedTcpipChannel", "forwarded-tcpip", "ForwardedStreamLocalChannel", "forwarded-streamlocal",
            "AuthAgentChannel", "auth-agent");

    final AtomicLong received = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    private final Metrics metrics;
    private volatile CounterDataPoint receivedTotal;
    private volatile CounterDataPoint sentTotal;

    ChannelTraffic(Metrics metrics, String kind) {
        this.metrics = metrics;
        kind(kind);
    }

    void kind(String kind) {
        receivedTotal = metrics.receivedBytes(kind);
        sentTotal = metrics.sentBytes(kind);
    }

    /** The channel's wire type, short: {@code session}, {@code direct-tcpip}, … ({@code other} for none of ours). */
    static String kindOf(Channel channel) {
        return KINDS.getOrDefault(channel.getClass().getSimpleName(), "other");
    }

    /** Whether the packet (its type byte at the read position) is channel data. */
    public static boolean isData(Buffer packet) {
        if (packet.available() <= 0) {
            return false;
        }
        int cmd = packet.rawByte(packet.rpos()) & 0xff;
        return cmd == SshConstants.SSH_MSG_CHANNEL_DATA || cmd == SshConstants.SSH_MSG_CHANNEL_EXTENDED_DATA;
    }

    /** A packet from the client, its type byte at the read position: found by our channel number. */
    public static void incoming(AbstractConnectionService connection, Buffer packet) {
        count(connection, packet, true);
    }

    /** A packet to the client, its type byte at the read position: found by the peer's channel number. */
    public static void outgoing(AbstractConnectionService connection, Buffer packet) {
        count(connection, packet, false);
    }

    private static void count(AbstractConnectionService connection, Buffer packet, boolean incoming) {
        int at = packet.rpos();
        int cmd = packet.available() > 0 ? packet.rawByte(at) & 0xff : -1;
        if (connection == null || (cmd != SshConstants.SSH_MSG_CHANNEL_DATA && cmd != SshConstants.SSH_MSG_CHANNEL_EXTENDED_DATA)) {
            return;
        }
        long length = dataLength(packet, cmd);
        if (length < 0) {
            return;
        }
        long number = BufferUtils.getUInt(packet.array(), at + 1, Integer.BYTES);
        for (Channel channel : connection.getChannels()) {
            if ((incoming ? channel.getChannelId() : channel.getRecipient()) == number) {
                ChannelTraffic traffic = channel.getAttribute(KEY);
                if (traffic != null) {
                    (incoming ? traffic.received : traffic.sent).addAndGet(length);
                    (incoming ? traffic.receivedTotal : traffic.sentTotal).inc(length);
                }
                return;
            }
        }
    }

    /** The data string's length, or -1 for a packet too short to have one. */
    private static long dataLength(Buffer packet, int cmd) {
        int offset = packet.rpos() + 1 + Integer.BYTES + (cmd == SshConstants.SSH_MSG_CHANNEL_EXTENDED_DATA ? Integer.BYTES : 0);
        if (offset + Integer.BYTES > packet.wpos()) {
            return -1;
        }
        return BufferUtils.getUInt(packet.array(), offset, Integer.BYTES);
    }
}
