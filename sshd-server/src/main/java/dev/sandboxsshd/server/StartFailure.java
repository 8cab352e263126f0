package dev.sandboxsshd.server;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * A start that cannot go on, said as one line a person can act on: what is wrong, in the kernel's words where it
 * has them, and what to do about it (which flag, which command). {@link Main} prints it and exits 1.
 */
final class StartFailure extends Exception {
    StartFailure(String message) {
        super(message);
    }

    /** {@code --enable-key FILE} that cannot be read. */
    static StartFailure unreadableKey(Path key, FileSystemException e) {
        if (e instanceof NoSuchFileException) {
            return new StartFailure("no public key at " + key + ": create one with ssh-keygen -t ed25519 (it writes "
                    + "~/.ssh/id_ed25519.pub), or pass --enable-key FILE naming an existing .pub file");
        }
        return new StartFailure("cannot read the public key " + key + " (" + reason(e)
                + "): pass --enable-key FILE naming a .pub file this user can read");
    }

    /** The state directory, or a file in it, that cannot be created or written. */
    static StartFailure unwritableState(Path stateDir, Path tokenFile, FileSystemException e, boolean root) {
        Path file = e.getFile() == null ? null : Path.of(e.getFile()).toAbsolutePath().normalize();
        Path token = tokenFile.toAbsolutePath().normalize();
        if (token.equals(file) && !token.startsWith(stateDir.toAbsolutePath().normalize())) {
            return new StartFailure("cannot write the API token file " + tokenFile + " (" + reason(e)
                    + "): pass --api-token-file FILE in a directory this user can write");
        }
        return new StartFailure("cannot write the state directory " + stateDir + " (" + (file == null ? "" : file + ": ")
                + reason(e) + "): pass --state-dir DIR naming a directory this user can write"
                + (root ? "" : ", or start as root for the default " + "/var/lib/sandbox-sshd"));
    }

    /** A user the flags name that this machine does not have. */
    static StartFailure unknownUser(String flag, String user, boolean given, String self) {
        return new StartFailure("user " + user + " does not exist on this machine"
                + (given ? " (" + flag + ")" : " (" + flag + " defaults to it)") + ": create it (useradd -m " + user
                + ") or pass " + flag + " USER naming an existing one" + (self == null ? "" : ", such as " + self));
    }

    /**
     * A listener that cannot bind: the kernel's reason and what to do. {@code reason} is the root cause's message
     * (Address already in use, Cannot assign requested address, Permission denied).
     */
    static StartFailure cannotListen(String what, HostPort listen, String flag, String reason) {
        String hint;
        if (reason.contains("Address already in use")) {
            hint = "another process listens there (ss -ltnp 'sport = :" + listen.port() + "' names it; another "
                    + "sandbox-sshd?): stop it, or pass " + flag + " HOST:PORT with a free port";
        } else if (reason.contains("Cannot assign requested address")) {
            hint = "no interface of this machine has the address " + listen.host() + ": pass " + flag
                    + " with one it has (127.0.0.1, 0.0.0.0)";
        } else if (reason.contains("Permission denied") && listen.port() < 1024) {
            hint = "ports below 1024 need root: start as root, or pass " + flag + " HOST:PORT with a port of 1024 or more";
        } else {
            hint = "pass " + flag + " HOST:PORT with another address";
        }
        return new StartFailure("cannot listen for " + what + " on " + listen + " (" + reason + "): " + hint);
    }

    /** The kernel's words for a file error, which Java keeps only as the exception's type for some. */
    static String reason(FileSystemException e) {
        if (e.getReason() != null) {
            return e.getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        return e.getClass().getSimpleName();
    }
}
