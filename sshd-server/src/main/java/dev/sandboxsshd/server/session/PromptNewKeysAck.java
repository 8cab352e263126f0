package dev.sandboxsshd.server.session;

import java.io.IOException;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the client's first SSH_MSG_NEWKEYS at once with an SSH_MSG_IGNORE. The client writes NEWKEYS and then,
 * a moment later, its first service request; with Nagle on (OpenSSH clients set TCP_NODELAY only once a session
 * opens) that request waits for NEWKEYS to be acknowledged, and the server's kernel, having nothing to send, delays
 * that ACK by 40 ms. A packet from us carries the ACK (measured on loopback: `ssh host true` with curve25519
 * 85 -> 49 ms, with the client's default sntrup761 256 -> 215 ms).
 */
public final class PromptNewKeysAck implements SessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(PromptNewKeysAck.class);
    private static final byte[] NOTHING = new byte[0];

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event != Event.KeyEstablished || session.isAuthenticated() || session.getUsername() != null) {
            return; // only the initial key exchange: a rekey has no request waiting behind it
        }
        try {
            session.sendIgnoreMessage(NOTHING);
        } catch (IOException e) {
            LOG.debug("no ignore message after newkeys for {}: {}", session, e.toString());
        }
    }
}
