package dev.sandboxsshd.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The process table as /proc has it: who is whose child, and who is a zombie (the JDK hides both). */
final class Procs {
    private Procs() {
    }

    /** One line of {@code /proc/<pid>/stat}, with the command line (empty for a zombie). */
    record Proc(long pid, long ppid, char state, String comm, String cmdline) {
        boolean zombie() {
            return state == 'Z';
        }

        @Override
        public String toString() {
            return pid + " " + state + " " + comm + (cmdline.isEmpty() ? "" : " (" + cmdline + ")");
        }
    }

    static List<Proc> all() {
        List<Proc> procs = new ArrayList<>();
        try (var entries = Files.list(Path.of("/proc"))) {
            for (Path dir : entries.toList()) {
                if (dir.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    Proc p = read(dir);
                    if (p != null) {
                        procs.add(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return procs;
    }

    static List<Proc> childrenOf(long pid) {
        return all().stream().filter(p -> p.ppid() == pid).toList();
    }

    static java.util.Optional<Proc> of(long pid) {
        return java.util.Optional.ofNullable(read(Path.of("/proc", Long.toString(pid))));
    }

    /** Whether the process has a TCP socket listening on the port (its fds against its network namespace's tables). */
    static boolean listensOn(long pid, int port) {
        Path proc = Path.of("/proc", Long.toString(pid));
        List<String> inodes = new ArrayList<>();
        try (var fds = Files.list(proc.resolve("fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closed) {
                    // closed while we listed
                }
            }
            String suffix = String.format(":%04X", port);
            for (String table : List.of("tcp", "tcp6")) {
                for (String line : Files.readAllLines(proc.resolve("net").resolve(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[1].endsWith(suffix) && f[3].equals("0A") && inodes.contains(f[9])) {
                        return true;
                    }
                }
            }
        } catch (IOException gone) {
            // ended
        }
        return false;
    }

    /** The pids of a process in each pid namespace it is in, outermost (this test's) first. */
    static List<Long> namespacePids(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    List<Long> pids = new ArrayList<>();
                    for (String field : line.substring(6).trim().split("\\s+")) {
                        pids.add(Long.parseLong(field));
                    }
                    return pids;
                }
            }
        } catch (IOException gone) {
            // ended
        }
        return List.of();
    }

    private static Proc read(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split at the last ')'
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String[] rest = stat.substring(close + 2).split(" ");
            String cmdline = new String(Files.readAllBytes(dir.resolve("cmdline"))).replace('\0', ' ').strip();
            return new Proc(Long.parseLong(stat.substring(0, open).trim()), Long.parseLong(rest[1]), rest[0].charAt(0),
                    stat.substring(open + 1, close), cmdline);
        } catch (IOException | RuntimeException gone) {
            return null; // ended while we read it
        }
    }
}
