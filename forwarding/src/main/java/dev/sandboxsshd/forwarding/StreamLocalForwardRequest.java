package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.keys.SessionUser;
import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.PosixUser;

/**
 * {@code streamlocal-forward@openssh.com} ({@code ssh -R /remote.sock:local}): listens on a UNIX socket created
 * as the user; connections to it come back to the client as {@code forwarded-streamlocal@openssh.com}.
 */
public final class StreamLocalForwardRequest extends GlobalRequest {
    private static final Logger LOG = LoggerFactory.getLogger(StreamLocalForwardRequest.class);

    private final ForwardingPolicy policy;

    public StreamLocalForwardRequest(ForwardingPolicy policy) {
        super("streamlocal-forward@openssh.com");
        this.policy = policy;
    }

    /** The forward's key in {@link RemoteForwards}: the path as the client named it. */
    static String key(String path) {
        return "unix:" + path;
    }

    @Override
    Result handle(ConnectionService service, boolean wantReply, Buffer buffer) {
        String path = buffer.getString();
        Session session = service.getSession();
        PosixUser user = SessionUser.of(session);
        Optional<String> refusal = policy.refuseStreamLocalListen(path);
        if (refusal.isEmpty()) {
            refusal = listen(service, user, path);
        }
        if (refusal.isPresent()) {
            LOG.warn("refused remote stream forward: originator {} user={} listen {} reason={}",
                    Addresses.of(session.getRemoteAddress()), LogText.escape(session.getUsername()), LogText.escape(path),
                    LogText.escape(refusal.get()));
            return Result.ReplyFailure;
        }
        return Result.ReplySuccess;
    }

    private Optional<String> listen(ConnectionService service, PosixUser user, String path) {
        RemoteForwards forwards = RemoteForwards.of(service);
        String key = key(path);
        if (forwards.has(key)) {
            return Optional.of("already forwarded in this session");
        }
        UserSocketFiles.Bound bound;
        try {
            bound = UserSocketFiles.bind(user, path, policy.unlinkExistingSocket());
        } catch (IOException e) {
            return Optional.of(UserSocketFiles.describe(e));
        }
        try {
            forwards.add(key, List.of(bound.socket()), accepted -> new ForwardedStreamLocalChannel(path, accepted),
                    () -> UserSocketFiles.removeOrWarn(user, bound));
        } catch (IOException e) {
            return Optional.of(UserSocketFiles.describe(e));
        }
        return Optional.empty();
    }
}
