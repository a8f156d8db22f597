package io.interchange.bridge.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class PartitionProgressTest {

    private final PartitionProgress progress = new PartitionProgress();

    @Test
    void commitsOnlyUpToTheOldestRecordStillInFlight() {
        dispatch(10, 11, 12, 13);
        progress.completed(11, false);
        progress.completed(13, false);
        assertThat(progress.takeCommittable()).isEmpty();

        progress.completed(10, false);
        assertThat(progress.takeCommittable()).hasValue(12);
        assertThat(progress.takeCommittable()).as("taken once").isEmpty();

        progress.completed(12, false);
        assertThat(progress.takeCommittable()).hasValue(14);
        assertThat(progress.outstanding()).isZero();
    }

    @Test
    void aFailedRecordHoldsTheCommitPointEvenWhenLaterOnesSucceed() {
        dispatch(0, 1, 2, 3);
        progress.completed(0, false);
        progress.completed(2, false);
        progress.completed(1, true);
        progress.completed(3, false);

        assertThat(progress.takeCommittable()).hasValue(1);
        assertThat(progress.failedOffset()).isEqualTo(1);
        assertThat(progress.outstanding()).isZero();
    }

    @Test
    void reportsTheLowestFailedOffset() {
        dispatch(5, 6, 7);
        progress.completed(7, true);
        progress.completed(6, true);
        assertThat(progress.failedOffset()).isEqualTo(6);
        assertThat(progress.outstanding()).isEqualTo(1);
    }

    @Test
    void resetForgetsEverythingSoTheReadAgainRecordsStartClean() {
        dispatch(1, 2);
        progress.completed(2, true);
        progress.completed(1, false);
        progress.reset();

        assertThat(progress.failedOffset()).isEqualTo(-1);
        assertThat(progress.takeCommittable()).isEqualTo(OptionalLong.empty());
        dispatch(2);
        progress.completed(2, false);
        assertThat(progress.takeCommittable()).hasValue(3);
    }

    private void dispatch(long... offsets) {
        for (long offset : offsets) {
            progress.dispatched(offset);
        }
    }
}
