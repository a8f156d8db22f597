package io.interchange.bridge.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetNoteTest {

    @Test
    void roundTrips() {
        OffsetNote note = new OffsetNote(3, 2, 1_700_000_000_000L, 12_345, 12_000);
        assertThat(OffsetNote.decode(note.encode())).isEqualTo(note);
    }

    @Test
    void aNoteWithoutASuspectRangeHasNone() {
        assertThat(OffsetNote.decode("interchange;a=1;c=1;f=0;h=2000")).isEqualTo(new OffsetNote(1, 1, 0, 2000, 0));
    }

    @Test
    void anotherClientsMetadataOrNoneIsNoNote() {
        assertThat(OffsetNote.decode(null)).isEqualTo(OffsetNote.NONE);
        assertThat(OffsetNote.decode("")).isEqualTo(OffsetNote.NONE);
        assertThat(OffsetNote.decode("a=5;c=5")).isEqualTo(OffsetNote.NONE);
    }

    @Test
    void unreadableOrUnknownFieldsCountAsAbsent() {
        assertThat(OffsetNote.decode("interchange;a=x;c=-4;h=10;s=;z=1")).isEqualTo(new OffsetNote(0, 0, 0, 10, 0));
    }
}
