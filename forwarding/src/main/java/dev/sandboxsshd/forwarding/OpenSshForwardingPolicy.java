package dev.sandboxsshd.forwarding;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * OpenSSH's sshd rules: every target the flags allow; remote-forward listeners on loopback unless gateway ports
 * are on; no privileged listening port for a user other than root; the agent unless either flag turns it off.
 */
public final class OpenSshForwardingPolicy implements ForwardingPolicy {
    private static final int FIRST_UNPRIVILEGED_PORT = 1024;
    /** 127.0.0.1 first (it must bind), then ::1 where the machine has IPv6, as sshd binds "localhost". */
    private static final List<InetAddress> LOOPBACK = loopbacks();

    private final ForwardingOptions options;

    public OpenSshForwardingPolicy(ForwardingOptions options) {
        this.options = options;
    }

    @Override
    public Optional<String> refuseDirectTcp(String host, int port) {
        if (!options.enabled()) {
            return Optional.of("forwarding is disabled (--no-forwarding)");
        }
        if (port < 1 || port > 65535) {
            return Optional.of("port " + port + " out of range");
        }
        return Optional.empty();
    }

    @Override
    public Optional<String> refuseTcpListen(String userName, int uid, int port) {
        if (!options.enabled()) {
            return Optional.of("forwarding is disabled (--no-forwarding)");
        }
        if (port != 0 && port < FIRST_UNPRIVILEGED_PORT && uid != 0) {
            return Optional.of("port " + port + " is privileged and user " + userName + " is not root");
        }
        return Optional.empty();
    }

    @Override
    public Optional<String> refuseDirectStreamLocal(String socketPath) {
        return refuseSocketPath(socketPath);
    }

    @Override
    public Optional<String> refuseStreamLocalListen(String socketPath) {
        return refuseSocketPath(socketPath);
    }

    @Override
    public Optional<String> refuseAgentForwarding() {
        if (!options.enabled()) {
            return Optional.of("forwarding is disabled (--no-forwarding)");
        }
        if (!options.agentForwarding()) {
            return Optional.of("agent forwarding is disabled (--no-agent-forwarding)");
        }
        return Optional.empty();
    }

    @Override
    public boolean unlinkExistingSocket() {
        return options.streamLocalBindUnlink();
    }

    private Optional<String> refuseSocketPath(String socketPath) {
        if (!options.enabled()) {
            return Optional.of("forwarding is disabled (--no-forwarding)");
        }
        if (socketPath.isEmpty() || socketPath.indexOf('\0') >= 0) {
            return Optional.of("not a socket path");
        }
        return Optional.empty();
    }

    @Override
    public List<InetAddress> bindAddressesFor(String requestedHost) throws UnknownHostException {
        if (!options.gatewayPorts() || requestedHost.equals("localhost")) {
            return LOOPBACK;
        }
        if (requestedHost.isEmpty() || requestedHost.equals("*")) {
            return List.of(new InetSocketAddress(0).getAddress()); // all interfaces, both families where the stack has them
        }
        return List.of(InetAddress.getAllByName(requestedHost));
    }

    private static List<InetAddress> loopbacks() {
        byte[] v6 = new byte[16];
        v6[15] = 1;
        try {
            return List.of(InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}),
                    InetAddress.getByAddress("localhost", v6));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong address length
        }
    }
}
