package dev.sandboxsshd.server.proxy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerProxyAcceptor;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.server.ops.Refusals;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;

/**
 * MINA's hook before the client's identification line: a connection from a {@code --proxy-protocol-from} address
 * must start with a PROXY header (v1 or v2), whose client becomes the session's client address; anything else from
 * it is refused with one log line and closed. Connections from other addresses pass untouched (the identification
 * check refuses a header from them, see {@link #refusesHeaderFrom}). Safe to call again once the header is read.
 */
public final class ProxyProtocolAcceptor implements ServerProxyAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolAcceptor.class);
    /** TRUE once the header is read (or none is needed), FALSE once refused. */
    private static final AttributeKey<Boolean> DONE = new AttributeKey<>();

    private final List<AddressRange> trusted;

    public ProxyProtocolAcceptor(List<AddressRange> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    /** Whether a connection from {@code peer} must send a header. */
    public boolean trusts(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return false;
        }
        return trusted.stream().anyMatch(range -> range.contains(inet.getAddress()));
    }

    /** The refusal reason for a connection from an untrusted peer whose first bytes look like a PROXY header. */
    public static String refusesHeaderFrom() {
        return "PROXY protocol header from an address not in --proxy-protocol-from";
    }

    @Override
    public boolean acceptServerProxyMetadata(ServerSession session, Buffer buffer) throws Exception {
        Boolean done = session.getAttribute(DONE);
        if (done != null) {
            return done;
        }
        SocketAddress peer = session.getIoSession().getRemoteAddress();
        if (!trusts(peer)) {
            session.setAttribute(DONE, Boolean.TRUE);
            return true;
        }
        ProxyHeader.Parse parse = ProxyHeader.parse(buffer.array(), buffer.rpos(), buffer.available());
        if (parse instanceof ProxyHeader.NeedMore) {
            return false;
        }
        if (parse instanceof ProxyHeader.Refused refused) {
            LOG.warn("refused connection: remote={} reason={} (a --proxy-protocol-from address)",
                    Addresses.of(peer),
                    LogText.escape(refused.reason()));
            session.setAttribute(DONE, Boolean.FALSE);
            Refusals.connection(session, "proxy_protocol", null);
            buffer.rpos(buffer.wpos());
            session.close(true);
            return false;
        }
        ProxyHeader.Header header = (ProxyHeader.Header) parse;
        buffer.rpos(buffer.rpos() + header.length());
        if (header.source() != null && session instanceof AbstractServerSession server) {
            server.setClientAddress(header.source());
        }
        session.setAttribute(DONE, Boolean.TRUE);
        LOG.debug("PROXY v{} header from {}: client {}", header.version(), peer, session.getRemoteAddress());
        return true;
    }
}
