package dev.sandboxsshd.server;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import dev.sandboxsshd.pty.PtySessions;
import dev.sandboxsshd.shell.ChildReaper;
import dev.sandboxsshd.shell.ProcessSignals;

/**
 * How the daemon stops ({@code docker stop}, Ctrl-C): every session hung up as sshd does (SIGHUP to its process
 * group), the SSH and API listeners closed, and, as PID 1, SIGTERM to every process of the container as an init
 * sends it, with a short wait for them to go; then exit 0.
 *
 * <p>SIGTERM and SIGINT are handled with {@code sun.misc.Signal} (jdk.unsupported, exported to every class path
 * program on 17 and later, unlike {@code jdk.internal.misc.Signal}): the JVM's own handler would run the shutdown
 * hooks and exit 143 (130), and a hook cannot change that code but by {@code Runtime.halt}, which would also cut
 * the other hooks short. With our handler the stop is ours and the exit an ordinary {@code System.exit(0)}. Other
 * ends of the JVM (SIGHUP, say) still stop the same way, through the shutdown hook, with the JVM's code.
 */
final class DaemonStop {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonStop.class);
    /** How long processes get, as PID 1, between our SIGTERM and the kernel's SIGKILL when we exit. */
    private static final Duration PID1_GRACE = Duration.ofSeconds(2);
    /** A stop that hangs (a listener that will not close) still ends the daemon within a few seconds. */
    private static final Duration LIMIT = Duration.ofSeconds(4);

    private final SshService ssh;
    private final PtySessions ptys;
    private final ApiServer api;
    private final ChildReaper reaper;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean done;

    DaemonStop(SshService ssh, PtySessions ptys, ApiServer api, ChildReaper reaper) {
        this.ssh = ssh;
        this.ptys = ptys;
        this.api = api;
        this.reaper = reaper;
    }

    /** From now on SIGTERM and SIGINT stop the daemon with exit 0, and any other end of the JVM stops it too. */
    void install() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    stop("SIG" + name);
                    System.exit(0);
                });
            } catch (IllegalArgumentException e) {
                LOG.warn("cannot handle SIG{}: {}", name, e.getMessage()); // -Xrs: the JVM's way then
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop("JVM exit"), "stop"));
    }

    /** Blocks the caller until the daemon has stopped. */
    void await() throws InterruptedException {
        stopped.await();
    }

    synchronized void stop(String why) {
        if (done) {
            return;
        }
        done = true;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(LIMIT.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            LOG.warn("stopping took more than {} s: exiting now", LIMIT.toSeconds());
            Runtime.getRuntime().halt(0);
        }, "stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        int sshSessions = ssh.sessionCount();
        int ptySessions = ptys.list().size();
        // MINA closes every channel, and each hangs up its process group (UserSessionCommand.destroy)
        ssh.close();
        ptys.close();
        try {
            api.close();
        } catch (Exception e) {
            LOG.warn("cannot close the API listener: {}", e.toString());
        }
        LOG.info("stopping on {}: {} SSH and {} PTY sessions hung up, listeners closed", why, sshSessions, ptySessions);
        if (ChildReaper.isPid1()) {
            ProcessSignals.signalEveryProcess(ProcessSignals.SIGTERM);
            boolean allGone;
            try {
                allGone = reaper.awaitNoChildren(PID1_GRACE);
            } catch (InterruptedException e) {
                allGone = false;
            }
            LOG.info("stopping as PID 1: SIGTERM sent to every process; {}", allGone
                    ? "all have ended" : "those left after " + PID1_GRACE.toSeconds() + " s are killed as we exit");
        }
        watchdog.interrupt();
        stopped.countDown();
    }
}
