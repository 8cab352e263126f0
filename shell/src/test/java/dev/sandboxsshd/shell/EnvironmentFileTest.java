package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

class EnvironmentFileTest {
    @Test
    void readsNameValueLinesAsPamEnvDoes() {
        String file = """
                # comment
                PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
                export LANG=C.UTF-8
                  QUOTED='single'
                EMPTY=
                HALF="open
                """;
        assertEquals(Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "LANG", "C.UTF-8",
                "QUOTED", "single", "EMPTY", "", "HALF", "\"open"), EnvironmentFile.parse(file));
    }

    @Test
    void ignoresWhatIsNotAnAssignment() {
        assertEquals(Map.of(), EnvironmentFile.parse("=x\n1A=b\nno equals\nA-B=c\n#X=1\n\n"));
    }

    @Test
    void aLaterLineWins() {
        assertEquals(Map.of("A", "2"), EnvironmentFile.parse("A=1\nA=2\n"));
    }
}
