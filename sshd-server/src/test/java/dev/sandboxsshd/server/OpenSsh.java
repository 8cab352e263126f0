package dev.sandboxsshd.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real OpenSSH client, isolated from the machine's own configuration, known hosts and agent (unless given one
 * with {@link #withAgent}).
 */
final class OpenSsh {
    final int port;
    final String user;
    final ClientKey key;
    /** IdentityAgent: "none", or the socket of a test's own ssh-agent. */
    private final String identityAgent;

    record Result(int exit, byte[] stdout, byte[] stderrBytes) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        String stderr() {
            return new String(stderrBytes, StandardCharsets.UTF_8);
        }
    }

    OpenSsh(int port, String user, ClientKey key) {
        this(port, user, key, "none");
    }

    private OpenSsh(int port, String user, ClientKey key, String identityAgent) {
        this.port = port;
        this.user = user;
        this.key = key;
        this.identityAgent = identityAgent;
    }

    /**
     * The same client with an agent: IdentityAgent is the one option for both, the agent it authenticates with and
     * the one {@code -A} forwards (the client sets SSH_AUTH_SOCK from it). It has to be in the base arguments: for
     * a repeated {@code -o}, ssh keeps the first.
     */
    OpenSsh withAgent(Path socket) {
        return new OpenSsh(port, user, key, socket.toString());
    }

    List<String> baseArgs(String program) {
        List<String> args = new ArrayList<>(List.of(program, "-F", "/dev/null",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=" + identityAgent,
                "-o", "ConnectTimeout=20"));
        if (key != null) {
            args.addAll(List.of("-i", key.privateKey().toString()));
        }
        args.addAll(List.of(program.equals("ssh") ? "-p" : "-P", Integer.toString(port)));
        return args;
    }

    /** ssh [options] user@127.0.0.1 [remote command words]. */
    List<String> sshArgs(List<String> options, String... remote) {
        List<String> args = baseArgs("ssh");
        args.addAll(options);
        // quiet by default (no "Warning: Permanently added"), unless the test wants the client's own log
        if (options.stream().noneMatch(o -> o.startsWith("LogLevel") || o.startsWith("-v"))) {
            args.addAll(List.of("-o", "LogLevel=ERROR"));
        }
        args.add(user + "@127.0.0.1");
        args.addAll(List.of(remote));
        return args;
    }

    Result run(List<String> options, byte[] stdin, String... remote) throws IOException, InterruptedException {
        return exec(sshArgs(options, remote), stdin, null);
    }

    Result run(String... remote) throws IOException, InterruptedException {
        return run(List.of(), null, remote);
    }

    /** sftp -b - (batch mode: stops at the first failing command) with the given commands on stdin. */
    Result sftp(String batch) throws IOException, InterruptedException {
        List<String> args = baseArgs("sftp");
        args.addAll(List.of("-o", "LogLevel=ERROR", "-b", "-", user + "@127.0.0.1"));
        return exec(args, batch.getBytes(StandardCharsets.UTF_8), null);
    }

    /** scp [options] args..., where remote paths are written as {@code :path}. */
    Result scp(List<String> options, String... paths) throws IOException, InterruptedException {
        List<String> args = baseArgs("scp");
        args.addAll(List.of("-o", "LogLevel=ERROR"));
        args.addAll(options);
        for (String p : paths) {
            args.add(p.startsWith(":") ? user + "@127.0.0.1" + p : p);
        }
        return exec(args, null, null);
    }

    /** The ssh command line rsync should use as its -e. */
    String rsh() {
        List<String> args = baseArgs("ssh");
        args.addAll(List.of("-o", "LogLevel=ERROR"));
        return String.join(" ", args);
    }

    /** Runs a command line to completion (90 s at most), feeding stdin and collecting both outputs. */
    static Result exec(List<String> argv, byte[] stdin, Path stdinFile) throws IOException, InterruptedException {
        ProcessBuilder b = new ProcessBuilder(argv);
        if (stdinFile != null) {
            b.redirectInput(stdinFile.toFile());
        }
        Process p = b.start();
        CompletableFuture<byte[]> out = readAll(p.getInputStream());
        CompletableFuture<byte[]> err = readAll(p.getErrorStream());
        if (stdinFile == null) {
            CompletableFuture.runAsync(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin);
                    }
                } catch (IOException ignored) {
                    // the client stopped reading
                }
            });
        }
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            DaemonProcess.killTree(p.toHandle());
            throw new AssertionError("timed out: " + argv + " stderr=" + new String(err.getNow(new byte[0])));
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    static CompletableFuture<byte[]> readAll(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try {
                in.transferTo(buf);
            } catch (IOException ignored) {
                // process gone
            }
            return buf.toByteArray();
        });
    }
}
