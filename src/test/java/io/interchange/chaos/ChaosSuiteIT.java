package io.interchange.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chaos suite's short form, in the test suite: each of the six directions once, under one fault each, with a
 * couple of thousand records sent at a steady rate so that the fault strikes mid-stream. Every record must arrive
 * (duplicates within the bound, promised order kept), deliveries and readiness must come back, and no source or
 * sink may be left with messages. Gateway SIGKILL and SIGTERM have their own tests here (GatewayCrashIT,
 * SqsToKafkaCrashIT, GracefulShutdownIT); the whole matrix at 100,000 records is {@code scripts/chaos.sh}.
 */
class ChaosSuiteIT {

    private static final List<ChaosResult> RESULTS = new ArrayList<>();

    static Stream<Arguments> oneFaultPerDirection() {
        return Stream.of(
                run(Direction.KAFKA_TO_RABBITMQ, Fault.SOURCE_RESTART, 1_000, 100),
                run(Direction.RABBITMQ_TO_KAFKA, Fault.REPLICA, 2_000, 40),
                run(Direction.KAFKA_TO_SQS, Fault.SINK_RESTART, 1_000, 100),
                run(Direction.SQS_TO_KAFKA, Fault.SINK_RESTART, 1_000, 100),
                run(Direction.RABBITMQ_TO_SQS, Fault.SOURCE_RESTART, 1_000, 100),
                run(Direction.SQS_TO_RABBITMQ, Fault.SOURCE_RESTART, 1_000, 100));
    }

    private static Arguments run(Direction direction, Fault fault, int records, int perSecond) {
        return Arguments.of(Named.of(direction.id(), direction), Named.of(fault.id(), fault),
                new ChaosRun.Options(records, 20, perSecond, Duration.ofSeconds(5), Duration.ofMinutes(3)));
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("oneFaultPerDirection")
    void everyRecordArrivesAndNothingIsLeftStuck(Direction direction, Fault fault, ChaosRun.Options options)
            throws Exception {
        ChaosResult result = new ChaosRun(direction, fault, options).run();
        RESULTS.add(result);
        assertThat(result.problems()).as(result.summary()).isEmpty();
    }

    @AfterAll
    static void table() {
        System.out.println(ChaosSuite.table(RESULTS));
    }
}
