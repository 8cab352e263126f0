package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sandboxsshd.forwarding.OpenSshForwardingPolicy;
import dev.sandboxsshd.shell.SessionEnvironment;

/** The settings of the server enable starts, read without starting it. */
class SshServiceTest {
    @TempDir
    Path state;

    /**
     * A client that stops reading (Ctrl-Z, a closed laptop lid) stalls its channel for as long as it likes, as with
     * OpenSSH: MINA's window wait, 30 s by default, must be effectively never. SftpIT's slow test is this end to end.
     */
    @Test
    void aStalledChannelWaitsForWindowSpaceEffectivelyForever() throws Exception {
        DaemonOptions defaults = DaemonOptions.parse(new String[0], Map.of());
        SshService service = new SshService(HostPort.parse("127.0.0.1:0"),
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), null,
                new SessionEnvironment(SessionEnvironment.Mode.CLEAN, Map.of(), List.of()),
                new OpenSshForwardingPolicy(defaults.forwarding()), defaults.limits(), defaults.memory(),
                defaults.clientAlive(), state);
        SshServer sshd = service.build();
        Duration wait = CoreModuleProperties.WAIT_FOR_SPACE_TIMEOUT.getRequired(sshd);
        assertTrue(wait.compareTo(Duration.ofDays(365)) >= 0, "a stopped client fails its channel after " + wait);
    }
}
