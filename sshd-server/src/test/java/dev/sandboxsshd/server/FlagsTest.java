package dev.sandboxsshd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** README's flag table and {@code --help} are rendered from {@link Flags}; README cannot drift from the code. */
class FlagsTest {
    @Test
    void readmeTableIsTheFlagTable() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int section = readme.indexOf("## Command line");
        assertTrue(section >= 0, "README has no \"## Command line\" section");
        int start = readme.subList(section, readme.size()).indexOf("| flag | default | meaning |") + section;
        assertTrue(start >= section, "README's \"Command line\" section has no flag table");
        StringBuilder table = new StringBuilder();
        for (int i = start; i < readme.size() && readme.get(i).startsWith("|"); i++) {
            table.append(readme.get(i)).append('\n');
        }
        assertEquals(Flags.markdownTable(), table.toString(),
                "README.md's flag table differs from Flags.markdownTable(); paste that in");
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        String help = Flags.help();
        for (Flag<?> flag : Flags.ALL) {
            assertTrue(help.contains("\n  " + flag.usage() + " ") || help.contains("\n  " + flag.usage() + "\n"),
                    flag.name() + " missing from --help");
            String byDefault = flag.byDefault().text().replace("`", "");
            assertTrue(help.replaceAll("\n +", " ").contains("(default: " + byDefault + ")") || byDefault.isEmpty(),
                    flag.name() + "'s default missing from --help");
        }
    }

    @Test
    void helpFitsATerminal() {
        for (String line : Flags.help().split("\n")) {
            assertTrue(line.length() <= 120, line);
        }
    }

    @Test
    void namesAreUnique() {
        Set<String> names = new HashSet<>();
        Flags.ALL.forEach(flag -> assertTrue(names.add(flag.name()), flag.name()));
    }
}
