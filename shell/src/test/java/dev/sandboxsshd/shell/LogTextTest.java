package dev.sandboxsshd.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogTextTest {
    @Test
    void controlCharactersBecomeVisible() {
        assertEquals("a\\nINFO forged\\r\\x1b[2J\\x7f\\x00\\\\x", LogText.escape("a\nINFO forged\r\u001b[2J\u007f\0\\x"));
    }

    @Test
    void printableTextIsKept() {
        assertEquals("tl-user héllo /tmp/a b", LogText.escape("tl-user héllo /tmp/a b"));
    }

    @Test
    void invisibleFormattingCharactersAreShown() {
        assertEquals("a\\x202eb", LogText.escape("a\u202eb"));
    }
}
