package io.interchange.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class ChaosSuiteTest {

    private static final String DOC = """
            # Guarantees

            <!-- chaos:begin -->
            `scripts/chaos.sh --write-docs` on 2026-12-04 (commit abc), 2 runs.

            | Direction | Fault | Lost | Duplicates (bound) | Order violations | Deliveries resume after | Ready again after | |
            | --- | --- | --- | --- | --- | --- | --- | --- |
            | Kafka -> RabbitMQ | gateway SIGKILLed 3x | 0 | 10 (<= 6000) | 0 | 1.0 s, 1.0 s, 1.0 s | 1.0 s, 1.0 s, 1.0 s | passed |
            | Kafka -> RabbitMQ | 2nd replica joins, leaves | 0 | 0 (<= 0) | 0 | - | - | **FAILED** |
            <!-- chaos:end -->
            after
            """;

    @Test
    void anUpdateReplacesTheRowsOfItsRunsAndSaysWhereTheyCameFrom() {
        ChaosResult replica = result(Direction.KAFKA_TO_RABBITMQ, Fault.REPLICA);
        ChaosResult added = result(Direction.SQS_TO_KAFKA, Fault.SIGTERM);

        String doc = ChaosSuite.updated(DOC, "scripts/chaos.sh --update-docs", List.of(replica, added));

        assertThat(doc).contains("| Kafka -> RabbitMQ | gateway SIGKILLed 3x | 0 | 10 (<= 6000) |")
                .contains(replica.row()).doesNotContain("**FAILED**")
                .contains("Rows kafka-to-rabbitmq/replica, sqs-to-kafka/sigterm from `scripts/chaos.sh --update-docs`")
                .endsWith("<!-- chaos:end -->\nafter\n");
        assertThat(doc.indexOf(added.row())).as("a new row after the others")
                .isGreaterThan(doc.indexOf(replica.row())).isLessThan(doc.indexOf("Rows kafka-to-rabbitmq"));
    }

    @Test
    void anUpdateNeedsATableToUpdate() {
        assertThatThrownBy(() -> ChaosSuite.updated("no section", "x", List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("section");
    }

    private static ChaosResult result(Direction direction, Fault fault) {
        return new ChaosResult(direction, fault, 100, 10, 100, 100, 0, List.of(),
                List.of(new ChaosResult.Strike("x", 1_000, 1_000)), null, Duration.ofSeconds(1), 0, 0, List.of(),
                List.of());
    }
}
