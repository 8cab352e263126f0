package dev.sandboxsshd.forwarding;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * What forwarding (ports, UNIX sockets, the agent) a session may do. Passed in at assembly; {@link OpenSshForwardingPolicy} is the default.
 * Each method returns the reason for a refusal, or empty to allow.
 */
public interface ForwardingPolicy {
    /** A {@code direct-tcpip} channel ({@code ssh -L}, {@code ssh -D}): the daemon connects to host:port. */
    Optional<String> refuseDirectTcp(String host, int port);

    /** A {@code tcpip-forward} request ({@code ssh -R}): the daemon would listen on a port for this user. */
    Optional<String> refuseTcpListen(String userName, int uid, int port);

    /** A {@code direct-streamlocal@openssh.com} channel: the daemon connects, as the user, to a UNIX socket. */
    Optional<String> refuseDirectStreamLocal(String socketPath);

    /** A {@code streamlocal-forward@openssh.com} request: the daemon would create a UNIX socket as the user. */
    Optional<String> refuseStreamLocalListen(String socketPath);

    /**
     * An {@code auth-agent-req@openssh.com} request ({@code ssh -A}): the daemon would create a socket as the user
     * through which the user's processes reach the client's agent.
     */
    Optional<String> refuseAgentForwarding();

    /** Whether an existing file at a remote-forward socket path is replaced (else the forward is refused). */
    boolean unlinkExistingSocket();

    /**
     * The addresses to actually bind for a {@code tcpip-forward} request naming {@code requestedHost}, on one port;
     * the first must bind, the others are bound where the machine has them (IPv6 loopback next to IPv4).
     */
    List<InetAddress> bindAddressesFor(String requestedHost) throws UnknownHostException;
}
