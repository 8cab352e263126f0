package dev.sandboxsshd.pty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/pty/{id}/ws}: the upgrade is accepted only with the session's token, from the
 * {@code X-PTY-Token} header or the {@code token} query parameter; otherwise 401 before any upgrade, the same
 * answer whether or not the id exists. The bearer token is not needed here (browsers cannot send it).
 */
public final class PtyAttach implements WebSocketCreator {
    private static final Logger LOG = LoggerFactory.getLogger(PtyAttach.class);
    public static final String PATH_SPEC = "regex|^/api/v1/pty/([^/]+)/ws$";
    private static final Pattern PATH = Pattern.compile("^/api/v1/pty/([^/]+)/ws$");
    static final String TOKEN_HEADER = "X-PTY-Token";
    /** The code of a refused attach, as Tensorlake's in-sandbox daemon answers a wrong PTY token. */
    public static final String INVALID_TOKEN = "INVALID_TOKEN";
    private static final byte[] UNAUTHORIZED = ("{\"error\":\"missing or invalid PTY token\",\"code\":\"" + INVALID_TOKEN + "\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final PtySessions sessions;

    public PtyAttach(PtySessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public Object createWebSocket(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        Matcher m = PATH.matcher(request.getHttpURI().getPath());
        String id = m.matches() ? m.group(1) : null;
        List<String> tokens = new ArrayList<>();
        tokens.add(request.getHeaders().get(TOKEN_HEADER));
        List<String> query = Request.extractQueryParameters(request).getValues("token");
        if (query != null) {
            tokens.addAll(query);
        }
        Optional<PtySession> session = sessions.attachable(id, tokens);
        if (session.isEmpty()) {
            boolean none = tokens.stream().allMatch(t -> t == null);
            LOG.warn("refused pty attach: remote={} session={} reason={}", Request.getRemoteAddr(request), id,
                    none ? "no token" : "unknown session or wrong token");
            response.setStatus(401);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.write(true, ByteBuffer.wrap(UNAUTHORIZED), callback);
            return null;
        }
        return new PtyWebSocket(session.get());
    }
}
