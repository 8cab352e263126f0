package dev.sandboxsshd.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class AuditLogTest {
    @Test
    @Timeout(30)
    void aStuckLogNeverBlocksAndCountsWhatItDrops() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                written.write(b, off, len);
            }
        };
        AtomicInteger dropped = new AtomicInteger();
        AuditLog log = new AuditLog(stuck, dropped::incrementAndGet);
        log.record("first", "1");
        assertTrue(writing.await(10, TimeUnit.SECONDS));
        long start = System.nanoTime();
        int extra = 100;
        for (int i = 0; i < AuditLog.QUEUE + extra; i++) {
            log.record("e", "1", "i", i);
        }
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 5, "recording waited");
        assertEquals(extra, dropped.get());
        release.countDown();
        log.close();
        String[] lines = written.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(1 + AuditLog.QUEUE, lines.length);
    }

    @Test
    void aFailingLogCountsEveryEventAsDropped() throws Exception {
        AtomicInteger dropped = new AtomicInteger();
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        AuditLog log = new AuditLog(failing, dropped::incrementAndGet);
        for (int i = 0; i < 10; i++) {
            log.record("e", "1");
        }
        log.close();
        assertEquals(10, dropped.get());
    }

    @Test
    void clientStringsAreEscapedJsonOnOneLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuditLog log = new AuditLog(out, () -> { });
        String nasty = "a\"b\\c\nd\u0000e\u001b[2J\u2028";
        log.record("sftp", "7", "path", nasty, "absent", null);
        log.close();
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.split("\n").length, text);
        assertTrue(text.endsWith("\n"));
        JsonNode e = new ObjectMapper().readTree(text);
        assertEquals(nasty, e.path("path").asText());
        assertEquals("7", e.path("conn").asText());
        assertTrue(!e.has("absent"));
    }
}
