package dev.sandboxsshd.server;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/**
 * Ends connections whose client has gone silent, as sshd's ClientAliveInterval/ClientAliveCountMax do: once a
 * connection has authenticated, every interval it is sent a {@code keepalive@openssh.com} global request wanting a
 * reply (clients answer it, with a failure as they know no such request), and any answer clears the count. When the
 * count of keepalives in a row is unanswered and one more interval passes, the connection is closed: its channels
 * close and their processes are hung up as for a dropped client. A client that vanished without a FIN (a laptop gone,
 * a proxy keeping its own TCP connection open) or stopped (its kernel still acknowledges) is noticed so, within
 * (count + 1) intervals, instead of after the kernel's TCP timeout. sshd sends only when the client was silent for an
 * interval; sending every interval costs one small packet each way and needs no view of every message received.
 *
 * <p>MINA 2.20's server heartbeat ({@code HEARTBEAT_INTERVAL}) sends only SSH_MSG_IGNORE, wants no reply and counts
 * nothing; {@code HEARTBEAT_REQUEST} and {@code HEARTBEAT_NO_REPLY_MAX} are read by its client side only; and its idle
 * time is reset by the server's own writes, so it cannot tell a silent client either. So this runs on the server's
 * scheduler and sends with MINA's non-blocking {@link Session#request(Buffer, String,
 * org.apache.sshd.common.future.GlobalRequestFuture.ReplyHandler)}, whose handler sees the answer.
 */
final class ClientAliveCheck implements SessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(ClientAliveCheck.class);
    static final String REQUEST = "keepalive@openssh.com";
    private static final AttributeKey<Watch> WATCH = new AttributeKey<>();

    private final ClientAlive settings;

    ClientAliveCheck(ClientAlive settings) {
        this.settings = settings;
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated && settings.sends() && session.getAttribute(WATCH) == null) {
            Watch watch = new Watch(session);
            session.setAttribute(WATCH, watch);
            watch.start();
        }
    }

    @Override
    public void sessionClosed(Session session) {
        Watch watch = session.getAttribute(WATCH);
        if (watch != null) {
            watch.cancel();
        }
    }

    /** One connection's keepalives: how many in a row are unanswered, and when the client last answered. */
    private final class Watch {
        private final Session session;
        private int unanswered;
        private Instant answered = Instant.now();
        private ScheduledFuture<?> ticks;
        private boolean cancelled;

        Watch(Session session) {
            this.session = session;
        }

        synchronized void start() {
            long every = settings.interval().toMillis();
            ticks = session.getFactoryManager().getScheduledExecutorService()
                    .scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
        }

        synchronized void cancel() {
            cancelled = true;
            if (ticks != null) {
                ticks.cancel(false);
            }
        }

        private synchronized void answered() {
            unanswered = 0;
            answered = Instant.now();
        }

        private void tick() {
            try {
                check();
            } catch (RuntimeException e) { // an exception would end the ticks without a word
                LOG.warn("keepalive to {} failed: {}", Addresses.of(session.getRemoteAddress()), e.toString(), e);
            }
        }

        private synchronized void check() {
            if (cancelled || !session.isOpen()) {
                cancel();
                return;
            }
            if (settings.closes() && unanswered >= settings.countMax()) {
                LOG.info("closed connection: remote={} user={} reason=client not responding ({} keepalives {} s apart "
                                + "unanswered, last answer {} ms ago; --client-alive-interval, --client-alive-count-max)",
                        Addresses.of(session.getRemoteAddress()), LogText.escape(session.getUsername()), unanswered,
                        settings.interval().toSeconds(), Duration.between(answered, Instant.now()).toMillis());
                cancel();
                session.close(true);
                return;
            }
            unanswered++;
            try {
                Buffer request = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, REQUEST.length() + 8);
                request.putString(REQUEST);
                request.putBoolean(true);
                session.request(request, REQUEST, (cmd, reply) -> answered());
            } catch (IOException e) {
                LOG.debug("keepalive to {} not sent: {}", Addresses.of(session.getRemoteAddress()), e.toString());
            }
        }
    }
}
