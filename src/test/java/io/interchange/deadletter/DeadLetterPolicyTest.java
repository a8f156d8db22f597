package io.interchange.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;

import org.apache.camel.CamelExecutionException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

import io.interchange.bridge.MessageTooLargeException;
import io.interchange.bridge.rabbitmq.RabbitPublishException;
import io.interchange.bridge.rabbitmq.UnroutableMessageException;

class DeadLetterPolicyTest {

    @Test
    void permanentFailuresAreRecognisedAnywhereInTheCauseChain() {
        assertThat(DeadLetterPolicy.isPermanent(new MessageTooLargeException("sink", 2, 1))).isTrue();
        assertThat(DeadLetterPolicy.isPermanent(new UnroutableMessageException("312 NO_ROUTE"))).isTrue();
        assertThat(DeadLetterPolicy.isPermanent(new CamelExecutionException("wrapped", null,
                new RecordTooLargeException("too large")))).isTrue();
        assertThat(DeadLetterPolicy.isPermanent(new InvalidRecordException("compacted topic needs a key"))).isTrue();
        assertThat(DeadLetterPolicy.isPermanent(new IllegalStateException("bug"))).isFalse();
        assertThat(DeadLetterPolicy.isPermanent(null)).isFalse();
    }

    @Test
    void brokerOutagesAreNeverDeadLettered() {
        assertThat(DeadLetterPolicy.isOutage(new RabbitPublishException("channel closed"))).isTrue();
        assertThat(DeadLetterPolicy.isOutage(new IOException(new ConnectException("refused")))).isTrue();
        assertThat(DeadLetterPolicy.isOutage(new RuntimeException(new NotEnoughReplicasException("isr")))).isTrue();
        assertThat(DeadLetterPolicy.isOutage(new IllegalArgumentException("bad body"))).isFalse();
    }
}
