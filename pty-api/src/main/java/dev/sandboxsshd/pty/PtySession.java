package dev.sandboxsshd.pty;

import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.ExitStatus;
import dev.sandboxsshd.shell.InputQueue;
import dev.sandboxsshd.shell.ProcessPump;
import dev.sandboxsshd.shell.PtySize;
import dev.sandboxsshd.shell.UserProcess;

/**
 * One PTY process and the WebSocket clients attached to it: the PTY API side of a {@link ProcessPump}, as SSH
 * sessions are its SSH side. Output goes live to every client that has said READY; output nobody has been sent yet
 * (before READY, or while no client is attached) waits in a bounded ring and goes to the next client at its READY,
 * once. Closing a client never touches the process.
 */
final class PtySession {
    private static final Logger LOG = LoggerFactory.getLogger(PtySession.class);
    /** At least the 1 MiB the protocol promises. */
    static final int RING_BYTES = 2 << 20;
    private static final int CHUNK = 32 * 1024;
    /** How long a hung-up process has before SIGKILL. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(2);

    final String id;
    private final byte[] token;
    private final List<String> command;
    private final Instant createdAt;
    private final UserProcess process;
    private final LongSupplier nanoClock;
    private final OutputRing ring = new OutputRing(RING_BYTES);
    private final Set<PtyWebSocket> clients = new LinkedHashSet<>();
    private final InputQueue input = new InputQueue();
    private volatile ProcessPump pump;

    private PtySize size;
    /** Offset up to which some client has been sent the output: where the next unattached READY starts. */
    private long delivered;
    private Integer exitCode;
    private boolean terminated;
    private long idleSinceNanos;
    private long exitedAtNanos;

    PtySession(String id, byte[] token, List<String> command, PtySize size, UserProcess process, LongSupplier nanoClock) {
        this.id = id;
        this.token = token.clone();
        this.command = List.copyOf(command);
        this.size = size;
        this.process = process;
        this.nanoClock = nanoClock;
        this.createdAt = Instant.now();
        this.idleSinceNanos = nanoClock.getAsLong();
    }

    /** Call once, before the session is shared. */
    void start() {
        pump = ProcessPump.start(process, input, this::output, (bytes, off, len) -> { }, "pty-" + id, this::finish);
    }

    boolean tokenMatches(byte[] presented) {
        return MessageDigest.isEqual(token, presented);
    }

    // --- clients -----------------------------------------------------------------------------------------------

    synchronized boolean attach(PtyWebSocket client) {
        if (terminated) {
            return false;
        }
        // Output made from now on is this client's; with nobody live, so is what nobody has been sent yet.
        client.cursor = clients.stream().anyMatch(c -> c.ready) ? ring.end() : delivered;
        clients.add(client);
        return true;
    }

    synchronized void ready(PtyWebSocket client) {
        if (client.ready || !clients.contains(client)) {
            return;
        }
        client.ready = true;
        byte[] backlog = ring.copyFrom(client.cursor);
        long offset = ring.end() - backlog.length;
        for (int at = 0; at < backlog.length; at += CHUNK) {
            int len = Math.min(CHUNK, backlog.length - at);
            offset += len;
            client.sendOutput(backlog, at, len, offset);
        }
        client.cursor = ring.end();
        if (exitCode != null) {
            client.sendExitAndClose(exitCode);
        }
    }

    synchronized void detach(PtyWebSocket client) {
        if (clients.remove(client) && clients.isEmpty()) {
            idleSinceNanos = nanoClock.getAsLong();
        }
    }

    /** A client's send completed: those bytes have reached someone. */
    synchronized void delivered(long offset) {
        delivered = Math.max(delivered, offset);
    }

    /** Input for the process; {@code written} runs once the terminal took it (the client's flow control). */
    void input(byte[] bytes, Runnable written) {
        input.add(bytes, bytes.length, written::run);
    }

    synchronized void resize(PtySize newSize) throws IOException {
        if (exitCode == null && !terminated) {
            pump.resize(newSize);
        }
        size = newSize;
    }

    // --- lifecycle ---------------------------------------------------------------------------------------------

    /** DELETE or reaping: every client is closed with "session terminated" and the process group is killed. */
    void terminate(String why) {
        List<PtyWebSocket> closing;
        synchronized (this) {
            if (terminated) {
                return;
            }
            terminated = true;
            closing = new ArrayList<>(clients);
            clients.clear();
        }
        LOG.info("pty session {} terminated ({}): pid {}", id, why, process.pid());
        closing.forEach(PtyWebSocket::closeTerminated);
        pump.hangUp();
        pump.killUnlessExitedWithin(KILL_GRACE);
    }

    synchronized boolean idleLongerThan(long nanos, long now) {
        return !terminated && clients.isEmpty() && exitCode == null && now - idleSinceNanos >= nanos;
    }

    synchronized boolean exitedLongerThan(long nanos, long now) {
        return exitCode != null && clients.isEmpty() && now - exitedAtNanos >= nanos;
    }

    synchronized PtyStatus describe() {
        return new PtyStatus(id, command.get(0), command.subList(1, command.size()), process.pid(), size.rows(),
                size.cols(), createdAt.toString(), clients.size(), exitCode == null && !terminated, exitCode);
    }

    // --- the pump ----------------------------------------------------------------------------------------------

    /** Output of the process: never blocks, whoever is attached. */
    private synchronized void output(byte[] buffer, int off, int n) {
        ring.append(buffer, off, n);
        long end = ring.end();
        for (PtyWebSocket client : List.copyOf(clients)) {
            if (client.ready) {
                client.sendOutput(buffer, off, n, end);
                client.cursor = end;
            }
        }
    }

    /** The process exited and its output is all in the ring. */
    private void finish(ExitStatus status) {
        List<PtyWebSocket> told;
        synchronized (this) {
            exitCode = status.code();
            exitedAtNanos = nanoClock.getAsLong();
            told = clients.stream().filter(c -> c.ready).toList();
        }
        if (!terminated) {
            LOG.info("pty session {} exited: pid {} code {}", id, process.pid(), status.code());
        }
        told.forEach(c -> c.sendExitAndClose(status.code()));
    }
}
