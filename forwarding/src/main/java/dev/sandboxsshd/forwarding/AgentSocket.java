package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.session.ConnectionService;

import dev.sandboxsshd.shell.PosixUser;

/**
 * A connection's agent socket, one per connection as sshd has it: made as the user on the first
 * {@code auth-agent-req@openssh.com}, in a private directory, and shared by every session channel that asks (a
 * second request reuses it). Its connections go to the client through the connection's {@link RemoteForwards}.
 * The socket and its directory are removed once the last channel that asked has closed, or with the connection;
 * sshd keeps them until the connection ends, which leaves a multiplexing master that outlives its sessions with a
 * way into the agent that no session asked for any more.
 */
final class AgentSocket {
    private static final AttributeKey<AgentSocket> KEY = new AttributeKey<>();
    /** Its key among the connection's remote forwards; tcpip and streamlocal keys have a prefix with a colon. */
    private static final String FORWARD = "auth-agent";

    private final RemoteForwards forwards;
    private final Set<Channel> sharers = new HashSet<>();
    /** The socket while one is in force, else null. */
    private String path;

    private AgentSocket(RemoteForwards forwards) {
        this.forwards = forwards;
    }

    static AgentSocket of(ConnectionService service) {
        return service.getSession().computeAttributeIfAbsent(KEY, k -> new AgentSocket(RemoteForwards.of(service)));
    }

    /** The socket's path, made now if the connection has none, held until {@code channel} closes. */
    synchronized String share(Channel channel, PosixUser user) throws IOException {
        if (path == null) {
            // sshd names it after its session process; ours is the daemon's
            UserSocketFiles.Bound bound = UserSocketFiles.bindInPrivateDirectory(user, "agent." + ProcessHandle.current().pid());
            forwards.add(FORWARD, List.of(bound.socket()), AuthAgentChannel::new,
                    () -> UserSocketFiles.removeOrWarn(user, bound));
            path = bound.path().toString();
        }
        String shared = path;
        if (sharers.add(channel)) {
            channel.addCloseFutureListener(closed -> release(channel));
        }
        return shared;
    }

    private synchronized void release(Channel channel) {
        if (sharers.remove(channel) && sharers.isEmpty()) {
            forwards.cancel(FORWARD);
            path = null;
        }
    }
}
