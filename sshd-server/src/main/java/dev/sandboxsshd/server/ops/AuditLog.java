package dev.sandboxsshd.server.ops;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The audit trail: one JSON object per line ({@code --audit-log}). A session never waits for it: events go into a
 * bounded queue one writer thread empties; an event that finds the queue full, or that cannot be written, is
 * dropped and counted ({@code sandbox_sshd_audit_events_dropped_total}).
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    /** Room for a burst (an sftp rm -r of thousands of files) while the disk is slow. */
    static final int QUEUE = 8192;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Object> STOP = Map.of();

    private final BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(QUEUE);
    private final OutputStream out;
    private final Runnable dropped;
    private final Thread writer;
    private volatile boolean failing;

    AuditLog(OutputStream out, Runnable dropped) {
        this.out = out;
        this.dropped = dropped;
        this.writer = new Thread(this::drain, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** {@code -}: standard output; else the file, appended to, created with mode 0600. */
    public static AuditLog open(String target, Runnable dropped) throws IOException {
        if (target.equals("-")) {
            return new AuditLog(new FileOutputStream(java.io.FileDescriptor.out), dropped);
        }
        // O_NOFOLLOW: a symlink planted at the path would make root append to whatever it names
        SeekableByteChannel file = Files.newByteChannel(Path.of(target), Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return new AuditLog(new BufferedOutputStream(Channels.newOutputStream(file), 64 * 1024), dropped);
    }

    /** Queues one event: {@code fields} are name, value pairs; a null value is left out. Never blocks. */
    public void record(String event, String connection, Object... fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.put("event", event);
        if (connection != null) {
            line.put("conn", connection);
        }
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                line.put((String) fields[i], fields[i + 1]);
            }
        }
        if (!queue.offer(line)) {
            dropped.run();
        }
    }

    private void drain() {
        try {
            while (true) {
                Map<String, Object> event = queue.take();
                if (event == STOP) {
                    flush();
                    return;
                }
                write(event);
                if (queue.isEmpty()) {
                    flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(Map<String, Object> event) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(event);
            out.write(bytes);
            out.write('\n');
            failing = false;
        } catch (JsonProcessingException e) {
            dropped.run();
        } catch (IOException e) {
            dropped.run();
            if (!failing) {
                failing = true;
                LOG.error("audit log: cannot write ({}); events are dropped until it can", e.toString());
            }
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            if (!failing) {
                failing = true;
                LOG.error("audit log: cannot write ({}); events are dropped until it can", e.toString());
            }
        }
    }

    /** Writes what is queued (up to 5 s), then stops the writer. */
    @Override
    public void close() throws InterruptedException {
        if (queue.offer(STOP, 5, TimeUnit.SECONDS)) {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        }
        writer.interrupt();
    }
}
