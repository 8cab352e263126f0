package dev.sandboxsshd.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class OpenSshForwardingPolicyTest {
    private static final Optional<String> DISABLED = Optional.of("forwarding is disabled (--no-forwarding)");
    private static final ForwardingPolicy DEFAULTS = new OpenSshForwardingPolicy(new ForwardingOptions(true, false, false, true));
    private static final ForwardingPolicy GATEWAY_PORTS =
            new OpenSshForwardingPolicy(new ForwardingOptions(true, true, false, true));
    private static final ForwardingPolicy NO_FORWARDING =
            new OpenSshForwardingPolicy(new ForwardingOptions(false, false, false, true));

    @Test
    void directTcpTakesAnyTargetWithAPort() {
        assertEquals(Optional.empty(), DEFAULTS.refuseDirectTcp("example.org", 1));
        assertEquals(Optional.empty(), DEFAULTS.refuseDirectTcp("10.0.0.1", 65535));
        assertEquals(Optional.of("port 0 out of range"), DEFAULTS.refuseDirectTcp("localhost", 0));
        assertEquals(Optional.of("port 65536 out of range"), DEFAULTS.refuseDirectTcp("localhost", 65536));
        assertEquals(Optional.of("port -1 out of range"), DEFAULTS.refuseDirectTcp("localhost", -1));
    }

    @Test
    void onlyRootListensOnAPrivilegedPort() {
        assertEquals(Optional.of("port 1023 is privileged and user alice is not root"),
                DEFAULTS.refuseTcpListen("alice", 1000, 1023));
        assertEquals(Optional.empty(), DEFAULTS.refuseTcpListen("alice", 1000, 1024));
        assertEquals(Optional.empty(), DEFAULTS.refuseTcpListen("alice", 1000, 0), "0: the daemon picks a port");
        assertEquals(Optional.empty(), DEFAULTS.refuseTcpListen("root", 0, 80));
    }

    @Test
    void aSocketPathIsNonEmptyWithoutNul() {
        assertEquals(Optional.empty(), DEFAULTS.refuseStreamLocalListen("/tmp/x.sock"));
        assertEquals(Optional.empty(), DEFAULTS.refuseDirectStreamLocal("relative.sock"));
        assertEquals(Optional.of("not a socket path"), DEFAULTS.refuseStreamLocalListen(""));
        assertEquals(Optional.of("not a socket path"), DEFAULTS.refuseDirectStreamLocal("/tmp/a\0b"));
    }

    @Test
    void noForwardingRefusesEveryKind() {
        assertEquals(DISABLED, NO_FORWARDING.refuseDirectTcp("localhost", 22));
        assertEquals(DISABLED, NO_FORWARDING.refuseTcpListen("root", 0, 8080));
        assertEquals(DISABLED, NO_FORWARDING.refuseDirectStreamLocal("/tmp/x.sock"));
        assertEquals(DISABLED, NO_FORWARDING.refuseStreamLocalListen("/tmp/x.sock"));
        assertEquals(DISABLED, NO_FORWARDING.refuseAgentForwarding(), "as sshd's DisableForwarding");
    }

    @Test
    void agentForwardingHasAFlagOfItsOwn() {
        assertEquals(Optional.empty(), DEFAULTS.refuseAgentForwarding());
        ForwardingPolicy noAgent = new OpenSshForwardingPolicy(new ForwardingOptions(true, false, false, false));
        assertEquals(Optional.of("agent forwarding is disabled (--no-agent-forwarding)"),
                noAgent.refuseAgentForwarding());
        assertEquals(Optional.empty(), noAgent.refuseDirectTcp("localhost", 22), "other forwarding goes on");
    }

    @Test
    void anExistingSocketIsReplacedOnlyWithTheFlag() {
        assertFalse(DEFAULTS.unlinkExistingSocket());
        assertTrue(new OpenSshForwardingPolicy(new ForwardingOptions(true, false, true, true)).unlinkExistingSocket());
    }

    @Test
    void withoutGatewayPortsEveryListenerIsOnLoopback() throws Exception {
        List<InetAddress> loopback = List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
        for (String host : List.of("", "*", "localhost", "0.0.0.0", "192.0.2.1", "example.org")) {
            assertEquals(loopback, DEFAULTS.bindAddressesFor(host), host);
        }
        assertTrue(DEFAULTS.bindAddressesFor("").get(0).isLoopbackAddress(), "127.0.0.1 first: it must bind");
    }

    @Test
    void withGatewayPortsTheClientsAddressIsBound() throws Exception {
        assertEquals(DEFAULTS.bindAddressesFor("localhost"), GATEWAY_PORTS.bindAddressesFor("localhost"));
        for (String all : List.of("", "*")) {
            List<InetAddress> any = GATEWAY_PORTS.bindAddressesFor(all);
            assertEquals(1, any.size(), all);
            assertTrue(any.get(0).isAnyLocalAddress(), all + " -> " + any);
        }
        assertEquals(List.of(InetAddress.getByName("127.0.0.2")), GATEWAY_PORTS.bindAddressesFor("127.0.0.2"));
        assertEquals(List.of(InetAddress.getByName("::1")), GATEWAY_PORTS.bindAddressesFor("::1"));
    }
}
