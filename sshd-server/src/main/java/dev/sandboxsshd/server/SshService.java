package dev.sandboxsshd.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionDisconnectHandler;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.SshThreadPoolExecutor;
import org.apache.sshd.common.util.threads.SshdThreadFactory;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.global.CancelTcpipForwardHandler;
import org.apache.sshd.server.global.NoMoreSessionsHandler;
import org.apache.sshd.server.global.TcpipForwardHandler;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.forwarding.CancelStreamLocalForwardRequest;
import dev.sandboxsshd.forwarding.CancelTcpipForwardRequest;
import dev.sandboxsshd.forwarding.DirectStreamLocalChannel;
import dev.sandboxsshd.forwarding.DirectTcpipChannel;
import dev.sandboxsshd.forwarding.ForwardingPolicy;
import dev.sandboxsshd.forwarding.PolicyForwardingFilter;
import dev.sandboxsshd.forwarding.StreamLocalForwardRequest;
import dev.sandboxsshd.forwarding.TcpipForwardRequest;
import dev.sandboxsshd.keys.AuthEvents;
import dev.sandboxsshd.keys.Fingerprints;
import dev.sandboxsshd.keys.TrustedKey;
import dev.sandboxsshd.keys.PublickeyUserAuth;
import dev.sandboxsshd.keys.TrustedKeyAuthenticator;
import dev.sandboxsshd.server.ops.ConnectionObserver;
import dev.sandboxsshd.server.ops.Refusals;
import dev.sandboxsshd.server.proxy.ProxyProtocolAcceptor;
import dev.sandboxsshd.server.session.ExecRequest;
import dev.sandboxsshd.server.session.IdentificationCheckingSession;
import dev.sandboxsshd.server.session.PromptNewKeysAck;
import dev.sandboxsshd.server.session.SessionChannelFactory;
import dev.sandboxsshd.server.session.UserSessionFactory;
import dev.sandboxsshd.sftp.DescriptorReserve;
import dev.sandboxsshd.sftp.ScpCommands;
import dev.sandboxsshd.sftp.UserSftpSubsystemFactory;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.OutputBudget;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.UserLauncher;

/**
 * The SSH half of the daemon: enable binds the listener once and from then on only swaps the trusted key and user;
 * disable closes the listener and every session. All state changes are serialised on this object.
 */
public final class SshService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SshService.class);
    static final String SERVER_VERSION = "sandbox-sshd_0.1";
    /** How a refused enable that could not bind begins; the kernel's reason follows after ": ". */
    static final String CANNOT_LISTEN = "cannot listen for SSH on ";

    private final HostPort listen;
    private final KeyPair hostKey;
    private final String hostKeyFingerprint;
    private final UserLauncher launcher;
    private final SessionEnvironment sessionEnvironment;
    private final ForwardingPolicy forwarding;
    private final SshLimits limits;
    /** One for the daemon: what every connection's channels may queue together. */
    private final OutputBudget output;
    private final ClientAlive clientAlive;
    private final EnableStateFile stateFile;
    private final TrustedKeyAuthenticator authenticator;
    private final OperatingOptions operating;
    private final ConnectionObserver observer;
    private SshServer server;

    public SshService(HostPort listen, KeyPair hostKey, UserLauncher launcher, SessionEnvironment sessionEnvironment,
                      ForwardingPolicy forwarding, SshLimits limits, MemoryLimits memory, ClientAlive clientAlive,
                      Path stateDir) {
        this(listen, hostKey, launcher, sessionEnvironment, forwarding, limits, memory, clientAlive, stateDir,
                OperatingOptions.NONE);
    }

    public SshService(HostPort listen, KeyPair hostKey, UserLauncher launcher, SessionEnvironment sessionEnvironment,
                      ForwardingPolicy forwarding, SshLimits limits, MemoryLimits memory, ClientAlive clientAlive,
                      Path stateDir, OperatingOptions operating) {
        this(listen, hostKey, launcher, sessionEnvironment, forwarding, limits, memory, clientAlive, stateDir, operating,
                null);
    }

    /** @param observer the metrics and audit trail's listener; null for none */
    public SshService(HostPort listen, KeyPair hostKey, UserLauncher launcher, SessionEnvironment sessionEnvironment,
                      ForwardingPolicy forwarding, SshLimits limits, MemoryLimits memory, ClientAlive clientAlive,
                      Path stateDir, OperatingOptions operating, ConnectionObserver observer) {
        this.operating = operating;
        this.observer = observer;
        this.listen = listen;
        this.hostKey = hostKey;
        this.hostKeyFingerprint = Fingerprints.sha256(hostKey.getPublic());
        this.launcher = launcher;
        this.sessionEnvironment = sessionEnvironment;
        this.forwarding = forwarding;
        this.limits = limits;
        this.output = memory.outputBudget();
        this.clientAlive = clientAlive;
        this.authenticator = new TrustedKeyAuthenticator(limits.maxAuthTries(),
                observer != null ? observer : AuthEvents.NONE);
        this.stateFile = new EnableStateFile(stateDir);
    }

    /**
     * Trusts the request's key for its user, binding the listener if it is not bound yet. Either everything takes
     * effect or nothing does: a failure leaves the previous key, user and listener as they were.
     */
    public synchronized SshStatus enable(EnableRequest request) throws Refused {
        boolean started = false;
        if (server == null) {
            server = build();
            try {
                server.start();
                started = true;
            } catch (IOException | RuntimeException e) {
                stopQuietly(server);
                server = null;
                LOG.error("cannot listen for ssh on {}: {}", listen, e.toString());
                throw new Refused(Kind.FAILED, CANNOT_LISTEN + listen + ": " + describe(e));
            }
        }
        try {
            stateFile.write(new EnableStateFile.Saved(request.proxyKey().toOpenSshLine(), request.backendUser().name()));
        } catch (IOException e) {
            if (started) {
                stopQuietly(server);
                server = null;
            }
            throw new Refused(Kind.FAILED, "cannot persist the enable state: " + e.getMessage());
        }
        authenticator.trust(new TrustedKey(request.backendUser().name(), request.proxyKey().key()));
        LOG.info("ssh enabled: listen={} user={} key={} {}", boundAddress(), request.backendUser().name(),
                request.proxyKey().type(), request.proxyKey().fingerprint());
        return status();
    }

    /** Closes the listener and every SSH session, and forgets the key. */
    public synchronized SshStatus disable() throws Refused {
        authenticator.forget();
        if (server != null) {
            stopQuietly(server);
            server = null;
        }
        try {
            stateFile.delete();
        } catch (IOException e) {
            throw new Refused(Kind.FAILED, "ssh disabled, but the saved enable state could not be removed: " + e.getMessage());
        }
        LOG.info("ssh disabled");
        return status();
    }

    public synchronized SshStatus status() {
        TrustedKey trusted = authenticator.trusted();
        boolean enabled = server != null && trusted != null;
        String bound = server != null ? boundAddress() : listen.toString();
        return new SshStatus(enabled, enabled ? ProcessHandle.current().pid() : null,
                enabled ? hostKeyFingerprint : null, trusted != null ? trusted.user() : null, bound);
    }

    /** Re-applies the state saved by an earlier run, if any; an invalid saved state is logged and left disabled. */
    public void restore() {
        Optional<EnableStateFile.Saved> saved;
        try {
            saved = stateFile.read();
        } catch (IOException e) {
            LOG.error("cannot read the saved enable state: {}; ssh stays disabled", e.getMessage());
            return;
        }
        if (saved.isEmpty()) {
            return;
        }
        try {
            enable(EnableRequest.validate(saved.get().proxyPubkey(), saved.get().backendUser()));
        } catch (Refused e) {
            LOG.error("cannot restore the saved enable state: {}; ssh stays disabled", e.getMessage());
        }
    }

    /** How many SSH connections are open now. */
    public synchronized int sessionCount() {
        return server == null ? 0 : server.getActiveSessions().size();
    }

    /**
     * Open connections, the session channels (shell, exec, subsystem) open on them, and their channels of any kind.
     * A connection still authenticating has no connection service yet (MINA throws): it counts with no channel.
     */
    public record Counts(int connections, int sessions, int channels) {
    }

    public Counts counts() {
        SshServer running;
        synchronized (this) {
            running = server;
        }
        if (running == null) {
            return new Counts(0, 0, 0);
        }
        int connections = 0;
        int sessions = 0;
        int channels = 0;
        for (Session session : running.getActiveSessions()) {
            connections++;
            try {
                AbstractConnectionService service = session.getService(AbstractConnectionService.class);
                if (service != null) {
                    channels += service.getChannels().size();
                    sessions += (int) service.getChannels().stream()
                            .filter(c -> c instanceof ChannelSession && c.isOpen()).count();
                }
            } catch (IllegalStateException notAuthenticated) {
                // no connection service yet: no channels
            }
        }
        return new Counts(connections, sessions, channels);
    }

    /** How many channels all SSH connections have open now. */
    public int openChannels() {
        return counts().channels();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            stopQuietly(server);
            server = null;
        }
    }

    /** The server as enable starts it (package-private so a unit test can read its settings). */
    SshServer build() {
        SshServer sshd = SshServer.setUpDefaultServer();
        // Every I/O thread exists before any session does. A thread inherits the credentials of the thread that
        // creates it, and MINA's pools start theirs on demand: one grown from a user's identity thread (an SFTP reply
        // whose write completed, a -L connect) would have been a shared I/O thread with that user's uid for good.
        int workers = CoreModuleProperties.NIO_WORKERS.getRequired(sshd);
        sshd.setIoServiceFactoryFactory(new Nio2ServiceFactoryFactory(() -> startedPool("nio2", workers)));
        sshd.setHost(listen.host());
        sshd.setPort(listen.port());
        Algorithms.apply(sshd);
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        sshd.setPublickeyAuthenticator(authenticator);
        sshd.setUserAuthFactories(List.of(PublickeyUserAuth.factory(authenticator)));
        sshd.setPasswordAuthenticator(null);
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setGSSAuthenticator(null);
        sshd.setHostBasedAuthenticator(null);
        sshd.setChannelFactories(ChannelLimits.apply(List.of(new SessionChannelFactory(forwarding),
                DirectTcpipChannel.factory(), DirectStreamLocalChannel.factory(forwarding)), limits));
        sshd.setForwardingFilter(new PolicyForwardingFilter(forwarding));
        List<RequestHandler<ConnectionService>> global = new ArrayList<>();
        for (RequestHandler<ConnectionService> handler : ServerBuilder.DEFAULT_GLOBAL_REQUEST_HANDLERS) {
            if (!(handler instanceof TcpipForwardHandler) && !(handler instanceof CancelTcpipForwardHandler)
                    && !(handler instanceof NoMoreSessionsHandler)) {
                global.add(handler);
            }
        }
        global.add(new NoMoreSessionsRequest());
        global.add(new TcpipForwardRequest(forwarding));
        global.add(new CancelTcpipForwardRequest());
        global.add(new StreamLocalForwardRequest(forwarding));
        global.add(new CancelStreamLocalForwardRequest());
        sshd.setGlobalRequestHandlers(global);
        UserSessionFactory sessions = new UserSessionFactory(launcher, sessionEnvironment);
        sshd.setShellFactory(sessions);
        DescriptorReserve reserve = DescriptorReserve.of(limits.sftpFdReserve());
        sshd.setCommandFactory(new ExecRequest(new ScpCommands(sessions, reserve, output, observer)));
        UserSftpSubsystemFactory sftp = new UserSftpSubsystemFactory(reserve, output);
        sshd.setSubsystemFactories(List.of(sftp));
        if (observer != null) {
            Refusals.attach(sshd, observer);
            sshd.addSessionListener(observer);
            sshd.addChannelListener(observer);
            sftp.addSftpEventListener(observer);
        }
        SftpModuleProperties.MAX_READDATA_PACKET_LENGTH.set(sshd, UserSftpSubsystemFactory.READ_LENGTH);
        SftpModuleProperties.MAX_OPEN_HANDLES_PER_SESSION.set(sshd, limits.maxSftpHandles());
        CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, SERVER_VERSION);
        // OpenSSH keeps idle sessions open forever; so do we (clients use keep-alives if they want otherwise).
        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, Duration.ZERO);
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, Duration.ofSeconds(120));
        // Without it a channel's last small packets (EOF, exit-status, close) wait behind Nagle for the client's
        // delayed ACK: 40 ms added to every `ssh host cmd`, and to keystrokes whose echo follows another packet.
        CoreModuleProperties.TCP_NODELAY.set(sshd, true);
        // sshd's listen backlog (SSH_LISTEN_BACKLOG); MINA's 0 is the JDK's 50, which a hundred logins at once passed:
        // the kernel dropped their SYNs and clients waited seconds per retry (HeapUnderLoadIT).
        CoreModuleProperties.SOCKET_BACKLOG.set(sshd, 128);
        sshd.addSessionListener(new PromptNewKeysAck());
        sshd.addSessionListener(new StartupLimiter(limits.maxStartups()));
        sshd.addSessionListener(new ClientAliveCheck(clientAlive));
        // sshd's MaxAuthTries counts failed keys (TrustedKeyAuthenticator). MINA counts every request after the first
        // and ends the connection past its cap: one more than the tries lets a working key (a query and a signed
        // request) follow five failures, and still ends it after as many failures of keys that never reach an
        // authenticator (a type MINA cannot verify: ECDSA, certificates) or of other methods.
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(sshd, limits.maxAuthTries() + 1);
        sshd.setSessionDisconnectHandler(new SessionDisconnectHandler() {
            @Override
            public boolean handleAuthCountDisconnectReason(Session session, Service service, String serviceName,
                                                           String method, String user, int count, int max) {
                LOG.warn("refused authentication: remote={} user={} reason=too many authentication failures ({})",
                        Addresses.of(session.getRemoteAddress()), LogText.escape(user), max);
                Refusals.connection(session, "max_auth_tries", "max_auth_tries");
                return false; // MINA disconnects
            }
        });
        sshd.setSessionFactory(IdentificationCheckingSession.factory(sshd));
        if (!operating.proxyProtocolFrom().isEmpty()) {
            sshd.setServerProxyAcceptor(new ProxyProtocolAcceptor(operating.proxyProtocolFrom()));
        }
        // A client that stops reading (a paused pipe, a stopped download) stalls its channel for as long as it likes;
        // MINA's default would fail the channel's writer after 30 s.
        CoreModuleProperties.WAIT_FOR_SPACE_TIMEOUT.set(sshd, Duration.ofDays(3650));
        return sshd;
    }

    private static CloseableExecutorService startedPool(String name, int threads) {
        SshThreadPoolExecutor pool = new SshThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new SshdThreadFactory(name), new ThreadPoolExecutor.CallerRunsPolicy());
        pool.prestartAllCoreThreads();
        return pool;
    }

    private String boundAddress() {
        Set<SocketAddress> bound = server.getBoundAddresses();
        for (SocketAddress address : bound) {
            if (address instanceof InetSocketAddress inet) {
                return HostPort.format(inet);
            }
        }
        return listen.toString();
    }

    private static void stopQuietly(SshServer sshd) {
        try {
            sshd.stop(true);
        } catch (IOException | RuntimeException e) {
            LOG.warn("error while stopping ssh server: {}", e.toString());
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message;
    }
}
