package dev.sandboxsshd.forwarding;

import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.ConnectionServiceRequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A connection-level global request of one wire name. MINA offers each global request to every registered handler
 * in turn, so one answers its own name and leaves the others, unread, to the next.
 */
abstract class GlobalRequest implements ConnectionServiceRequestHandler {
    private final String name;

    GlobalRequest(String name) {
        this.name = name;
    }

    @Override
    public final Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer)
            throws Exception {
        return name.equals(request) ? handle(service, wantReply, buffer) : Result.Unsupported;
    }

    /** Answers this request; {@code buffer} is at the data that follows its name and want-reply flag. */
    abstract Result handle(ConnectionService service, boolean wantReply, Buffer buffer) throws Exception;

    /** A cancel request's answer: success if this session had the forward, which is now stopped. */
    static Result cancel(ConnectionService service, String key) {
        return RemoteForwards.of(service).cancel(key) ? Result.ReplySuccess : Result.ReplyFailure;
    }
}
