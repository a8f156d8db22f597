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

class DeadLetterChannelTest {

    @Test
    void permanentFailuresAreRecognisedAnywhereInTheCauseChain() {
        assertThat(DeadLetterChannel.isPermanent(new MessageTooLargeException("sink", 2, 1))).isTrue();
        assertThat(DeadLetterChannel.isPermanent(new UnroutableMessageException("312 NO_ROUTE"))).isTrue();
        assertThat(DeadLetterChannel.isPermanent(new CamelExecutionException("wrapped", null,
                new RecordTooLargeException("too large")))).isTrue();
        assertThat(DeadLetterChannel.isPermanent(new InvalidRecordException("compacted topic needs a key"))).isTrue();
        assertThat(DeadLetterChannel.isPermanent(new IllegalStateException("bug"))).isFalse();
        assertThat(DeadLetterChannel.isPermanent(null)).isFalse();
    }

    @Test
    void brokerOutagesAreNeverDeadLettered() {
        assertThat(DeadLetterChannel.isOutage(new RabbitPublishException("channel closed"))).isTrue();
        assertThat(DeadLetterChannel.isOutage(new IOException(new ConnectException("refused")))).isTrue();
        assertThat(DeadLetterChannel.isOutage(new RuntimeException(new NotEnoughReplicasException("isr")))).isTrue();
        assertThat(DeadLetterChannel.isOutage(new IllegalArgumentException("bad body"))).isFalse();
    }
}
