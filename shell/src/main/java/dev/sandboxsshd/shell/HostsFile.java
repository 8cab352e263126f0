package dev.sandboxsshd.shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Makes {@code /etc/hosts} map the hostname {@code --set-hostname} set, so that what resolves its own host name
 * ({@code sudo}, {@code hostname -f}, Java, Python's {@code getfqdn()}) finds it. The daemon owns one line, the one
 * Debian's installer writes for a host without a fixed address, marked as its own:
 * {@code 127.0.1.1	tl-sbx	# sandbox-sshd --set-hostname}. Nothing else in the file changes: a name some other
 * line already maps is left to that line; a marked line for another name is replaced.
 *
 * <p>The file is replaced by a rename from a temporary file beside it; where it is a mount point (Docker bind-mounts
 * {@code /etc/hosts}, so the rename fails with EBUSY) it is rewritten in place. A read-only one is left as it is.
 */
public final class HostsFile {
    public static final String ADDRESS = "127.0.1.1";
    public static final String MARKER = "# sandbox-sshd --set-hostname";

    private HostsFile() {
    }

    /** What {@link #ensure} did, for the daemon's one log line. */
    public record Outcome(boolean changed, String detail) {
    }

    /**
     * The file's new text so that it maps {@code name}, or empty when it already does. Only lines carrying
     * {@link #MARKER} are removed or replaced; the new line goes where the first of them was, else at the end.
     */
    public static Optional<String> withName(String text, String name) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        int firstOwned = -1;
        boolean mappedElsewhere = false;
        boolean ownedMapsIt = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean owned = line.contains(MARKER);
            boolean maps = maps(line, name);
            if (owned) {
                firstOwned = firstOwned < 0 ? i : firstOwned;
                ownedMapsIt |= maps;
            } else {
                mappedElsewhere |= maps;
            }
        }
        String own = ownLine(name);
        List<String> out = new ArrayList<>(lines.size() + 1);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.contains(MARKER)) {
                out.add(line);
            } else if (i == firstOwned && !mappedElsewhere) {
                out.add(ownedMapsIt ? line : own);
            }
        }
        if (firstOwned < 0 && !mappedElsewhere) {
            out.add(own);
        }
        if (out.equals(lines)) {
            return Optional.empty();
        }
        StringBuilder result = new StringBuilder(text.length() + own.length() + 1);
        for (String line : out) {
            result.append(line).append('\n');
        }
        return Optional.of(result.toString());
    }

    static String ownLine(String name) {
        return ADDRESS + "\t" + name + "\t" + MARKER;
    }

    /** Whether this line of a hosts file maps {@code name} (as glibc reads it: fields before any '#', any case). */
    static boolean maps(String line, String name) {
        int hash = line.indexOf('#');
        String[] fields = (hash < 0 ? line : line.substring(0, hash)).trim().split("[ \t]+");
        String lower = name.toLowerCase(Locale.ROOT);
        for (int i = 1; i < fields.length; i++) {
            if (fields[i].toLowerCase(Locale.ROOT).equals(lower)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Makes {@code hosts} map {@code name}. Never throws for the file's sake: a file that cannot be written (read-only,
     * as some runtimes mount it) is left as it was, and the outcome says why.
     */
    public static Outcome ensure(Path hosts, String name) {
        String text;
        try {
            text = Files.readString(hosts, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            text = "";
        } catch (IOException e) {
            return new Outcome(false, "cannot read " + hosts + ": " + reason(e) + "; " + name + " left unmapped");
        }
        Optional<String> next = withName(text, name);
        if (next.isEmpty()) {
            return new Outcome(false, hosts + " already maps " + name);
        }
        byte[] bytes = next.get().getBytes(StandardCharsets.ISO_8859_1);
        Path temp = hosts.resolveSibling("." + hosts.getFileName() + ".sandbox-sshd");
        String how;
        try {
            if (isMountPoint(hosts)) {
                rewriteInPlace(hosts, bytes);
                return new Outcome(true, hosts + " maps " + name + " to " + ADDRESS + ": rewritten in place (a mount point)");
            }
        } catch (IOException e) {
            return new Outcome(false, hosts + " left as it is, " + name + " unmapped: " + reason(e));
        }
        try {
            replace(hosts, temp, bytes);
            how = "replaced";
        } catch (IOException renameFailed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a read-only directory: nothing was created
            }
            try {
                rewriteInPlace(hosts, bytes);
                how = "rewritten in place (" + reason(renameFailed) + ")";
            } catch (IOException e) {
                return new Outcome(false, hosts + " left as it is, " + name + " unmapped: " + reason(e));
            }
        }
        return new Outcome(true, hosts + " maps " + name + " to " + ADDRESS + ": " + how);
    }

    /** Whether {@code path} is a mount point of this mount namespace (so a rename over it would fail with EBUSY). */
    static boolean isMountPoint(Path path) {
        String target = path.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
                String[] fields = line.split(" ");
                if (fields.length > 4 && unescapeMountPath(fields[4]).equals(target)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false; // no /proc: the rename, and in place if that fails
        }
        return false;
    }

    /** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
    static String unescapeMountPath(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void replace(Path hosts, Path temp, byte[] bytes) throws IOException {
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-r--r--");
        try {
            mode = Files.getPosixFilePermissions(hosts);
        } catch (NoSuchFileException e) {
            // a new file: 0644, as Debian's
        }
        Files.deleteIfExists(temp);
        FileAttribute<Set<PosixFilePermission>> attribute = PosixFilePermissions.asFileAttribute(mode);
        try (FileChannel out = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                attribute)) {
            writeAll(out, bytes);
            out.force(true);
        }
        Files.setPosixFilePermissions(temp, mode); // the umask narrowed what open created
        Files.move(temp, hosts, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The new text over the old from offset 0, then cut to length: a reader sees the old lines or the new ones. */
    private static void rewriteInPlace(Path hosts, byte[] bytes) throws IOException {
        try (FileChannel out = FileChannel.open(hosts, StandardOpenOption.WRITE)) {
            writeAll(out, bytes);
            out.truncate(bytes.length);
            out.force(true);
        }
    }

    private static void writeAll(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long position = 0;
        while (buffer.hasRemaining()) {
            position += out.write(buffer, position);
        }
    }

    private static String reason(IOException e) {
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                ? f.getReason() : String.valueOf(e.getMessage());
    }
}
