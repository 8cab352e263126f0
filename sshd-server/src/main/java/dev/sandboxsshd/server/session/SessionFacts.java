package dev.sandboxsshd.server.session;

import org.apache.sshd.common.channel.Channel;

/**
 * What a session channel runs, for the metrics and the audit trail.
 *
 * @param kind        {@code shell}, {@code exec} or {@code subsystem}
 * @param command     the exec command line or the subsystem's name; null for a shell
 * @param exitStatus  the code reported, once the command ended (128+N after a signal, see {@code exitSignal})
 * @param exitSignal  the signal's RFC 4254 name when the command was killed by one
 */
public record SessionFacts(String kind, String command, boolean pty, long startNanos, Integer exitStatus,
                           String exitSignal) {
    /** The hint of the channel state change that says the session's command started. */
    public static final String STARTED = "sandbox-sshd:session-started";

    /** The facts of a session channel whose command started; null for any other channel. */
    public static SessionFacts of(Channel channel) {
        return channel instanceof UserChannelSession session ? session.facts() : null;
    }
}
