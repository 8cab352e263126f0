package dev.sandboxsshd.server.pty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.ExitStatus;
import dev.sandboxsshd.shell.ProcessSignals;
import dev.sandboxsshd.shell.PtySize;
import dev.sandboxsshd.shell.UserProcess;

/**
 * One PTY process and the WebSocket clients attached to it. Output goes live to every client that has said READY;
 * output nobody has been sent yet (before READY, or while no client is attached) waits in a bounded ring and goes
 * to the next client at its READY, once. Closing a client never touches the process.
 */
final class PtySession {
    private static final Logger LOG = LoggerFactory.getLogger(PtySession.class);
    /** At least the 1 MiB the protocol promises. */
    static final int RING_BYTES = 2 << 20;
    private static final int CHUNK = 32 * 1024;
    private static final long EXIT_DRAIN_MILLIS = 2000;

    final String id;
    private final byte[] token;
    private final List<String> command;
    private final Instant createdAt;
    private final UserProcess process;
    private final LongSupplier nanoClock;
    private final OutputRing ring = new OutputRing(RING_BYTES);
    private final Set<PtyWebSocket> clients = new LinkedHashSet<>();
    private final LinkedBlockingQueue<PendingInput> input = new LinkedBlockingQueue<>();
    private final CountDownLatch outputDone = new CountDownLatch(1);

    private PtySize size;
    /** Offset up to which some client has been sent the output: where the next unattached READY starts. */
    private long delivered;
    private Integer exitCode;
    private boolean terminated;
    private long idleSinceNanos;
    private long exitedAtNanos;

    private record PendingInput(byte[] bytes, Runnable written) {
    }

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

    void start() {
        daemon("pty-output-" + id, this::pumpOutput).start();
        daemon("pty-input-" + id, this::pumpInput).start();
        process.onExit().thenAccept(status -> daemon("pty-exit-" + id, () -> finish(status)).start());
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
        input.add(new PendingInput(bytes, written));
    }

    synchronized void resize(PtySize newSize) throws IOException {
        if (exitCode == null && !terminated) {
            process.resize(newSize);
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
        if (process.isAlive()) {
            ProcessSignals.signalGroup(process.pid(), ProcessSignals.SIGHUP);
            daemon("pty-kill-" + id, () -> {
                try {
                    process.onExit().get(EXIT_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
                } catch (Exception stillRunning) {
                    ProcessSignals.signalGroup(process.pid(), ProcessSignals.SIGKILL);
                }
            }).start();
        }
    }

    synchronized boolean idleLongerThan(long nanos, long now) {
        return !terminated && clients.isEmpty() && exitCode == null && now - idleSinceNanos >= nanos;
    }

    synchronized boolean exitedLongerThan(long nanos, long now) {
        return exitCode != null && clients.isEmpty() && now - exitedAtNanos >= nanos;
    }

    synchronized Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", id);
        out.put("command", command.get(0));
        out.put("args", command.subList(1, command.size()));
        out.put("pid", process.pid());
        out.put("rows", size.rows());
        out.put("cols", size.cols());
        out.put("created_at", createdAt.toString());
        out.put("connected_clients", clients.size());
        out.put("running", exitCode == null && !terminated);
        out.put("exit_code", exitCode);
        return out;
    }

    // --- threads -----------------------------------------------------------------------------------------------

    private void pumpOutput() {
        byte[] buffer = new byte[CHUNK];
        try (InputStream terminal = process.stdout()) {
            int n;
            while ((n = terminal.read(buffer)) > 0) {
                output(buffer, n);
            }
        } catch (IOException e) {
            // EIO once the last process holding the terminal is gone
        } finally {
            outputDone.countDown();
        }
    }

    private synchronized void output(byte[] buffer, int n) {
        ring.append(buffer, 0, n);
        long end = ring.end();
        for (PtyWebSocket client : List.copyOf(clients)) {
            if (client.ready) {
                client.sendOutput(buffer, 0, n, end);
                client.cursor = end;
            }
        }
    }

    private void pumpInput() {
        OutputStream terminal = process.stdin();
        boolean broken = false;
        while (true) {
            PendingInput next;
            try {
                next = input.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next.bytes == null) {
                return;
            }
            if (!broken) {
                try {
                    terminal.write(next.bytes);
                    terminal.flush();
                } catch (IOException e) {
                    broken = true; // the process is gone; input is dropped as a closed terminal would
                }
            }
            next.written.run();
        }
    }

    private void finish(ExitStatus status) {
        try {
            // A background job may hold the terminal open; the exit is reported anyway, as sshd does.
            if (!outputDone.await(EXIT_DRAIN_MILLIS, TimeUnit.MILLISECONDS)) {
                process.closeTerminal();
                outputDone.await(EXIT_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        input.add(new PendingInput(null, null));
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
        process.closeTerminal();
    }

    private static Thread daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        return t;
    }
}
