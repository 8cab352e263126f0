package dev.sandboxsshd.pty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.api.Refused.Kind;
import dev.sandboxsshd.api.Refused;
import dev.sandboxsshd.shell.LaunchRefused;
import dev.sandboxsshd.shell.LaunchSpec;
import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.PtySize;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.TerminalModes;
import dev.sandboxsshd.shell.UserLauncher;
import dev.sandboxsshd.shell.UserProcess;

/**
 * The PTY sessions of the HTTP API: created on a real terminal as the backend user through the same launcher as
 * SSH shells, listed, resized, killed, and forgotten when nobody has been attached for the idle timeout (killed) or
 * some time after they exited. The clock is passed in, so reaping can be tested without waiting.
 */
public final class PtySessions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PtySessions.class);
    /** How long an exited session's code and output stay available to a client that attaches late. */
    /** The code of a create past the cap, as Tensorlake's in-sandbox daemon answers it. */
    public static final String TOO_MANY_SESSIONS = "TOO_MANY_SESSIONS";
    public static final Duration DEFAULT_EXITED_GRACE = Duration.ofSeconds(60);
    private static final String DEFAULT_TERM = "xterm-256color";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Who PTY processes run as; throws when that user cannot be used. */
    public interface BackendUser {
        PosixUser resolve() throws Refused;
    }

    private final UserLauncher launcher;
    private final SessionEnvironment sessionEnvironment;
    private final BackendUser backendUser;
    private final Duration idleTimeout;
    private final Duration exitedGrace;
    private final int maxSessions;
    private final LongSupplier nanoClock;
    private final Map<String, PtySession> sessions = new ConcurrentHashMap<>();
    private ScheduledExecutorService reaper;
    private volatile PtyEvents events = PtyEvents.NONE;

    public PtySessions(UserLauncher launcher, SessionEnvironment sessionEnvironment, BackendUser backendUser,
                       Duration idleTimeout, Duration exitedGrace, int maxSessions, LongSupplier nanoClock) {
        this.launcher = launcher;
        this.sessionEnvironment = sessionEnvironment;
        this.backendUser = backendUser;
        this.idleTimeout = idleTimeout;
        this.exitedGrace = exitedGrace;
        this.maxSessions = maxSessions;
        this.nanoClock = nanoClock;
    }

    /** Where creates, attaches and kills are reported (the metrics and the audit trail); set at assembly. */
    public void observe(PtyEvents observer) {
        this.events = observer;
    }

    /** Reaps on a timer from now on; tests call {@link #reap()} themselves instead. */
    public synchronized void startReaping(Duration every) {
        reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pty-reaper");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::reap, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** What {@code POST /api/v1/pty} answers: the id and the token, which is never shown again. */
    public record Created(String sessionId, String token) {
    }

    /** Creates are one at a time, so the cap holds. */
    public synchronized Created create(PtyCreateRequest request) throws Refused {
        if (sessions.size() >= maxSessions) {
            LOG.warn("refused pty session: command={} reason={} sessions exist (the limit, --max-pty-sessions)",
                    LogText.escape(request.command()), sessions.size());
            events.ptyLimitReached();
            throw new Refused(Kind.LIMIT_REACHED, TOO_MANY_SESSIONS,
                    "too many PTY sessions (" + maxSessions + "); delete one first");
        }
        PosixUser user = backendUser.resolve();
        Path workingDir = request.workingDir() == null ? user.home() : Path.of(request.workingDir());
        Map<String, String> environment = new LinkedHashMap<>(sessionEnvironment.forLogin(user));
        environment.put("TERM", DEFAULT_TERM);
        environment.putAll(request.env());
        List<String> argv = new ArrayList<>();
        argv.add(request.command());
        argv.addAll(request.args());
        UserProcess process;
        try {
            // the kernel decides, as the user, whether the directory may be entered and the command executed
            process = launcher.startPty(new LaunchSpec(user, argv, environment, workingDir, false), request.size(),
                    TerminalModes.NONE, null);
        } catch (LaunchRefused e) {
            String field = e.part() == LaunchRefused.Part.WORKING_DIRECTORY ? "working_dir " : "command ";
            throw new Refused(Kind.INVALID_INPUT, field + e.subject() + ": " + e.reason());
        } catch (IOException e) {
            throw new Refused(Kind.FAILED, "cannot start command " + request.command() + ": " + e.getMessage());
        }
        String id = randomId(16);
        String token = randomId(32);
        PtySession session = new PtySession(id, token.getBytes(StandardCharsets.US_ASCII), argv, request.size(), process, nanoClock);
        session.start();
        sessions.put(id, session);
        LOG.info("pty session {} created: user={} pid={} command={} size={}x{}", id, user.name(), process.pid(),
                request.command(), request.size().cols(), request.size().rows());
        events.ptyCreated(id, user.name(), argv, process.pid());
        return new Created(id, token);
    }

    public List<PtyStatus> list() {
        return sessions.values().stream().map(PtySession::describe).toList();
    }

    public PtyStatus get(String id) throws Refused {
        return existing(id).describe();
    }

    public PtyStatus resize(String id, PtySize size) throws Refused {
        PtySession session = existing(id);
        try {
            session.resize(size);
        } catch (IOException e) {
            throw new Refused(Kind.CONFLICT, "cannot resize PTY session " + id + ": " + e.getMessage());
        }
        return session.describe();
    }

    public void kill(String id) throws Refused {
        PtySession session = sessions.remove(id);
        if (session == null) {
            throw new Refused(Kind.NOT_FOUND, "no PTY session " + id);
        }
        session.terminate("DELETE");
        events.ptyKilled(id, "DELETE");
    }

    /** The session a WebSocket may attach to: the id must exist and the token match, else empty (one answer for both). */
    Optional<PtySession> attachable(String id, List<String> presentedTokens) {
        PtySession session = id == null ? null : sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        for (String token : presentedTokens) {
            if (token != null && session.tokenMatches(token.getBytes(StandardCharsets.US_ASCII))) {
                events.ptyAttached(id);
                return Optional.of(session);
            }
        }
        return Optional.empty();
    }

    /** Kills sessions nobody has attached to for the idle timeout and forgets those that exited a while ago. */
    public void reap() {
        long now = nanoClock.getAsLong();
        for (PtySession session : List.copyOf(sessions.values())) {
            if (session.idleLongerThan(idleTimeout.toNanos(), now)) {
                sessions.remove(session.id, session);
                session.terminate("no client attached for " + idleTimeout.toSeconds() + " s");
                events.ptyKilled(session.id, "idle");
            } else if (session.exitedLongerThan(exitedGrace.toNanos(), now)) {
                sessions.remove(session.id, session);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (reaper != null) {
            reaper.shutdownNow();
        }
        for (PtySession session : List.copyOf(sessions.values())) {
            session.terminate("daemon stopping");
        }
        sessions.clear();
    }

    private PtySession existing(String id) throws Refused {
        PtySession session = sessions.get(id);
        if (session == null) {
            throw new Refused(Kind.NOT_FOUND, "no PTY session " + id);
        }
        return session;
    }

    private static String randomId(int bytes) {
        byte[] raw = new byte[bytes];
        RANDOM.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
