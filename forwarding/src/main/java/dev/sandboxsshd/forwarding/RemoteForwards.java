package dev.sandboxsshd.forwarding;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.ConnectionService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's remote-forward listeners ({@code ssh -R}, TCP and UNIX sockets): each accepted connection becomes a
 * channel towards the client. Listeners close when cancelled or when the session ends; connections already made go
 * on until they end by themselves, as in OpenSSH.
 */
final class RemoteForwards {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteForwards.class);
    private static final AttributeKey<RemoteForwards> KEY = new AttributeKey<>();

    private final ConnectionService service;
    private final Map<String, Listener> listeners = new HashMap<>();
    private boolean closed;

    private RemoteForwards(ConnectionService service) {
        this.service = service;
        service.getSession().addCloseFutureListener(f -> closeAll());
    }

    static RemoteForwards of(ConnectionService service) {
        return service.getSession().computeAttributeIfAbsent(KEY, k -> new RemoteForwards(service));
    }

    /** Whether a forward with this key is in force in this session. */
    synchronized boolean has(String key) {
        return listeners.containsKey(key);
    }

    /**
     * Starts accepting on the bound sockets.
     *
     * @param channelFor the channel that carries one accepted connection to the client
     * @param onStop     run once the sockets are closed (removing a socket file)
     */
    synchronized void add(String key, List<ServerSocketChannel> sockets,
                          Function<SocketChannel, BridgedClientChannel> channelFor, Runnable onStop) throws IOException {
        Listener listener = new Listener(key, sockets, channelFor, onStop);
        if (closed || listeners.containsKey(key)) {
            stop(listener);
            throw closed ? new ClosedChannelException() : new IOException("already forwarded in this session");
        }
        listeners.put(key, listener);
        for (ServerSocketChannel socket : sockets) {
            Thread acceptor = new Thread(() -> acceptLoop(listener, socket), "forward-accept-" + key);
            acceptor.setDaemon(true);
            acceptor.start();
        }
    }

    /** Stops one forward; false if this session has none with that key. */
    synchronized boolean cancel(String key) {
        Listener listener = listeners.remove(key);
        if (listener == null) {
            return false;
        }
        stop(listener);
        return true;
    }

    private synchronized void closeAll() {
        closed = true;
        List.copyOf(listeners.values()).forEach(RemoteForwards::stop);
        listeners.clear();
    }

    private static void stop(Listener listener) {
        for (ServerSocketChannel socket : listener.sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
        listener.onStop.run();
    }

    private void acceptLoop(Listener listener, ServerSocketChannel socket) {
        while (true) {
            SocketChannel accepted;
            try {
                accepted = socket.accept();
            } catch (IOException e) {
                return; // closed by cancel or session end
            }
            BridgedClientChannel channel;
            try {
                channel = listener.channelFor.apply(accepted);
            } catch (RuntimeException e) {
                closeQuietly(accepted);
                continue;
            }
            try {
                service.registerChannel(channel);
                channel.open().addListener(opened -> {
                    if (!opened.isOpened()) {
                        service.unregisterChannel(channel);
                        channel.abandon();
                    }
                });
            } catch (IOException | RuntimeException e) {
                channel.abandon();
                if (!service.getSession().isOpen()) {
                    return;
                }
                LOG.warn("cannot open a channel for a connection to forward {} of user={}: {}", listener.key,
                        service.getSession().getUsername(), e.toString());
            }
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private record Listener(String key, List<ServerSocketChannel> sockets,
                            Function<SocketChannel, BridgedClientChannel> channelFor, Runnable onStop) {
    }
}
