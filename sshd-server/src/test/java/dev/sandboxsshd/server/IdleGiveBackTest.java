package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

class IdleGiveBackTest {
    private static final HotSpotDiagnosticMXBean HOTSPOT = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

    @Test
    void lowersTheFreeRatiosOnlyAfterTheDelayAndRestoresThemWhenBusy() {
        String min = ratio("MinHeapFreeRatio");
        String max = ratio("MaxHeapFreeRatio");
        AtomicBoolean busy = new AtomicBoolean(false);
        AtomicLong now = new AtomicLong();
        IdleGiveBack giveBack = new IdleGiveBack(Duration.ofSeconds(30), busy::get, now::get);
        try {
            giveBack.check();
            now.addAndGet(Duration.ofSeconds(29).toNanos());
            giveBack.check();
            assertEquals(min, ratio("MinHeapFreeRatio"), "idle for less than the delay");
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            giveBack.check();
            assertEquals(IdleGiveBack.IDLE_MIN, ratio("MinHeapFreeRatio"));
            assertEquals(IdleGiveBack.IDLE_MAX, ratio("MaxHeapFreeRatio"));
            busy.set(true);
            giveBack.check();
            assertEquals(min, ratio("MinHeapFreeRatio"), "busy again");
            assertEquals(max, ratio("MaxHeapFreeRatio"));
            busy.set(false);
            giveBack.check();
            now.addAndGet(Duration.ofSeconds(10).toNanos());
            giveBack.check();
            assertEquals(min, ratio("MinHeapFreeRatio"), "the idle time starts again");
        } finally {
            busy.set(true);
            giveBack.check();
        }
    }

    private static String ratio(String name) {
        return HOTSPOT.getVMOption(name).getValue();
    }
}
