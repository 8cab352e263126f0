package dev.sandboxsshd.shell;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The writer's order of events and its flow control, with a recording target on a real writer thread. */
class InputQueueTest {
    private static final long DEADLINE_SECONDS = 10;

    /** Records what the writer did; a write of "fail" throws, as a closed pipe would. */
    private static class Recording implements InputQueue.Target {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            String text = new String(bytes, off, len, US_ASCII);
            if (text.equals("fail")) {
                throw new IOException("broken pipe");
            }
            events.add("write " + text);
        }

        @Override
        public void endOfInput() {
            events.add("eof");
        }

        @Override
        public void close() {
            events.add("close");
            closed.countDown();
        }
    }

    private static Thread writer(InputQueue queue, InputQueue.Target target) {
        Thread t = new Thread(() -> queue.writeTo(target), "input-queue-test");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void add(InputQueue queue, String text, InputQueue.Release release) {
        byte[] bytes = (text + "unused tail").getBytes(US_ASCII);
        queue.add(bytes, text.length(), release);
    }

    @Test
    void writesInOrderPassesEofOnAndClosesAtStop() throws Exception {
        InputQueue queue = new InputQueue();
        Recording target = new Recording();
        add(queue, "one", () -> { });
        add(queue, "two", () -> { });
        queue.eof();
        queue.stop();
        add(queue, "after stop", () -> { });
        writer(queue, target).join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertEquals(List.of("write one", "write two", "eof", "close"), target.events);
    }

    @Test
    void aChunkIsReleasedOnlyOnceTheTargetTookIt() throws Exception {
        InputQueue queue = new InputQueue();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicInteger released = new AtomicInteger();
        Recording target = new Recording() {
            @Override
            public void write(byte[] bytes, int off, int len) throws IOException {
                writing.countDown();
                try {
                    proceed.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                super.write(bytes, off, len);
            }
        };
        add(queue, "slow", released::incrementAndGet);
        add(queue, "next", released::incrementAndGet);
        Thread t = writer(queue, target);
        assertTrue(writing.await(DEADLINE_SECONDS, TimeUnit.SECONDS));
        // the target holds the first chunk: the sender has been given no room back
        assertEquals(0, released.get());
        proceed.countDown();
        queue.stop();
        t.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertEquals(2, released.get());
        assertEquals(List.of("write slow", "write next", "close"), target.events);
    }

    @Test
    void afterAFailedWriteLaterDataIsDiscardedButStillReleased() throws Exception {
        InputQueue queue = new InputQueue();
        Recording target = new Recording();
        AtomicInteger released = new AtomicInteger();
        add(queue, "fail", released::incrementAndGet);
        add(queue, "dropped", released::incrementAndGet);
        queue.stop();
        writer(queue, target).join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertEquals(2, released.get());
        assertEquals(List.of("close"), target.events);
    }

    @Test
    void aSenderThatIsGoneEndsTheWriterWithoutAStop() throws Exception {
        InputQueue queue = new InputQueue();
        Recording target = new Recording();
        add(queue, "last", () -> {
            throw new IOException("channel closing");
        });
        add(queue, "never", () -> { });
        Thread t = writer(queue, target);
        assertTrue(target.closed.await(DEADLINE_SECONDS, TimeUnit.SECONDS));
        t.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertFalse(t.isAlive());
        assertEquals(List.of("write last", "close"), target.events);
    }
}
