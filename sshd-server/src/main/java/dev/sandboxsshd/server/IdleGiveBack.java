package dev.sandboxsshd.server;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.DirectLibC;

/**
 * Gives memory back once the daemon is idle: no SSH channel open and no PTY client attached for {@code delay}.
 * While busy the heap may grow as the collector likes (fixed low free ratios cost rsync 12-16% more CPU); a serial
 * collector never shrinks it on its own, since an idle daemon runs no full collection, so after a burst the heap
 * grown for it stayed committed (RSS 250 MB after the soak, from 108). Once idle: {@code MinHeapFreeRatio} and
 * {@code MaxHeapFreeRatio} (manageable flags, set at run time) are lowered, Min first (Max may never be below Min),
 * full collections are run until the committed heap stops shrinking (the serial collector shrinks in steps), and
 * glibc's {@code malloc_trim} hands freed native memory back. The ratios are restored as soon as anything is open
 * again. One log line per give-back.
 */
final class IdleGiveBack {
    private static final Logger LOG = LoggerFactory.getLogger(IdleGiveBack.class);
    private static final String MIN = "MinHeapFreeRatio";
    private static final String MAX = "MaxHeapFreeRatio";
    /** While idle: a heap with 5-10% free, as the measurement on the launcher's settings (RSS 142 -> 98-101 MB). */
    static final String IDLE_MIN = "5";
    static final String IDLE_MAX = "10";
    /**
     * Full collections per give-back: the serial collector shrinks by 0%, 10%, 40%, then 100% of the excess at
     * successive ones ({@code ShrinkHeapInSteps}), so four reach the floor; more only while they still shrink it.
     */
    private static final int STEPS = 4;
    private static final int MAX_COLLECTIONS = 6;
    private static final Duration CHECK = Duration.ofSeconds(1);


    private final Duration delay;
    private final BooleanSupplier busy;
    private final LongSupplier nanoTime;
    private final HotSpotDiagnosticMXBean hotspot;
    private final String busyMin;
    private final String busyMax;
    private long idleSince = -1;
    private boolean givenBack;

    /** @param busy whether any SSH channel is open or any PTY client attached */
    IdleGiveBack(Duration delay, BooleanSupplier busy, LongSupplier nanoTime) {
        this.delay = delay;
        this.busy = busy;
        this.nanoTime = nanoTime;
        this.hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        this.busyMin = hotspot.getVMOption(MIN).getValue();
        this.busyMax = hotspot.getVMOption(MAX).getValue();
    }

    /** Checks every second on a daemon thread of its own. */
    void start() {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(CHECK.toMillis());
                    check();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("idle give-back failed: {}", e.toString());
                }
            }
        }, "idle-give-back");
        t.setDaemon(true);
        t.start();
    }

    /** One check: give back once idle long enough, restore once busy again. */
    void check() {
        if (busy.getAsBoolean()) {
            idleSince = -1;
            if (givenBack) {
                setRatios(busyMin, busyMax);
                givenBack = false;
            }
            return;
        }
        long now = nanoTime.getAsLong();
        if (idleSince < 0) {
            idleSince = now;
        }
        if (!givenBack && now - idleSince >= delay.toNanos()) {
            givenBack = true; // once per idle spell, also when it fails: never a collection every tick
            giveBack();
        }
    }

    private void giveBack() {
        long t0 = System.nanoTime();
        long rssBefore = rssKiB();
        long committedBefore = heap().getCommitted();
        setRatios(IDLE_MIN, IDLE_MAX);
        long committed = committedBefore;
        int collections = 0;
        while (collections < MAX_COLLECTIONS) {
            System.gc();
            collections++;
            long now = heap().getCommitted();
            if (now >= committed && collections >= STEPS) {
                break;
            }
            committed = Math.min(committed, now);
        }
        DirectLibC.malloc_trim(0);
        MemoryUsage after = heap();
        LOG.info("idle for {} s: gave memory back: heap committed {} -> {} MB ({} MB used), RSS {} -> {} MB, {} full "
                        + "collections, {} ms", delay.toSeconds(), mb(committedBefore), mb(after.getCommitted()),
                mb(after.getUsed()), rssBefore / 1024, rssKiB() / 1024, collections, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Min first when lowering, Max first when raising: Max may never be below Min. */
    private void setRatios(String min, String max) {
        if (Integer.parseInt(min) <= Integer.parseInt(hotspot.getVMOption(MIN).getValue())) {
            hotspot.setVMOption(MIN, min);
            hotspot.setVMOption(MAX, max);
        } else {
            hotspot.setVMOption(MAX, max);
            hotspot.setVMOption(MIN, min);
        }
    }

    private static MemoryUsage heap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }

    private static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: reported as 0
        }
        return 0;
    }
}
