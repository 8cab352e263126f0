package dev.sandboxsshd.pty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.sandboxsshd.shell.PtySize;
import dev.sandboxsshd.shell.SessionEnvironment;
import dev.sandboxsshd.shell.SpawnLauncher;
import dev.sandboxsshd.shell.UserDatabase;

/** Idle reaping on an injected clock, with real processes on real terminals: no 300 s waits. */
class PtyReapingTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PtySessions sessions = new PtySessions(SpawnLauncher.forThisProcess(),
            new SessionEnvironment(SessionEnvironment.Mode.CLEAN, Map.of(), List.of()), UserDatabase::current,
            Duration.ofSeconds(300), Duration.ofSeconds(60), 64, now::get);

    @AfterEach
    void stop() {
        sessions.close();
    }

    private PtySessions.Created cat() throws Exception {
        return sessions.create(new PtyCreateRequest("/bin/cat", List.of(), Map.of(), null, new PtySize(80, 24)));
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aSessionNobodyAttachedToForTheIdleTimeoutIsKilledAndForgotten() throws Exception {
        PtySessions.Created created = cat();
        long pid = sessions.get(created.sessionId()).pid();
        advance(Duration.ofSeconds(299));
        sessions.reap();
        assertEquals(1, sessions.list().size(), "not idle long enough yet");
        advance(Duration.ofSeconds(1));
        sessions.reap();
        assertTrue(sessions.list().isEmpty());
        Await.until("process " + pid + " to end", Duration.ofSeconds(20),
                () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void anAttachedClientKeepsTheSessionAndIdleCountsFromItsDetach() throws Exception {
        PtySessions.Created created = cat();
        PtySession session = sessions.attachable(created.sessionId(), List.of(created.token())).orElseThrow();
        PtyWebSocket client = new PtyWebSocket(session);
        assertTrue(session.attach(client));
        advance(Duration.ofSeconds(1000));
        sessions.reap();
        assertEquals(1, sessions.list().size(), "a session with a client is never idle");
        session.detach(client);
        advance(Duration.ofSeconds(299));
        sessions.reap();
        assertEquals(1, sessions.list().size(), "idle counts from the detach");
        advance(Duration.ofSeconds(1));
        sessions.reap();
        assertTrue(sessions.list().isEmpty());
    }

    @Test
    void anExitedSessionIsForgottenAfterTheGracePeriod() throws Exception {
        PtySessions.Created created = sessions.create(new PtyCreateRequest("/bin/sh", List.of("-c", "exit 5"), Map.of(), null,
                new PtySize(80, 24)));
        Await.until("the shell to exit", Duration.ofSeconds(20),
                () -> !sessions.get(created.sessionId()).running());
        assertEquals(5, sessions.get(created.sessionId()).exitCode());
        advance(Duration.ofSeconds(59));
        sessions.reap();
        assertEquals(1, sessions.list().size());
        advance(Duration.ofSeconds(1));
        sessions.reap();
        assertTrue(sessions.list().isEmpty());
    }
}
