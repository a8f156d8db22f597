package io.interchange.bridge.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.apache.camel.AsyncProducer;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The FIFO sink's per-group sequencing, with an SQS client whose answers the test gives. */
class SqsSinkProducerTest {

    private record Send(SendMessageRequest request, CompletableFuture<SendMessageResponse> answer) {
    }

    private final List<Send> sends = new CopyOnWriteArrayList<>();
    private DefaultCamelContext camel;
    private AsyncProducer producer;

    @BeforeEach
    void start() throws Exception {
        SqsAsyncClient client = new SqsAsyncClient() {
            @Override
            public CompletableFuture<GetQueueUrlResponse> getQueueUrl(GetQueueUrlRequest request) {
                return CompletableFuture.completedFuture(GetQueueUrlResponse.builder().queueUrl("http://sqs/q.fifo").build());
            }

            @Override
            public CompletableFuture<GetQueueUrlResponse> getQueueUrl(Consumer<GetQueueUrlRequest.Builder> request) {
                return getQueueUrl(GetQueueUrlRequest.builder().applyMutation(request).build());
            }

            @Override
            public CompletableFuture<SendMessageResponse> sendMessage(SendMessageRequest request) {
                CompletableFuture<SendMessageResponse> answer = new CompletableFuture<>();
                sends.add(new Send(request, answer));
                return answer;
            }

            @Override
            public String serviceName() {
                return "sqs";
            }

            @Override
            public void close() {
            }
        };
        camel = new DefaultCamelContext();
        camel.addComponent("interchange-sqs", new SqsComponent(() -> client));
        camel.start();
        producer = camel.getEndpoint("interchange-sqs:q.fifo").createAsyncProducer();
        producer.start();
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    private Exchange send(String key, long offset, List<Exchange> done) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(("m" + offset).getBytes());
        exchange.getMessage().setHeader(KafkaConstants.KEY, key);
        exchange.getMessage().setHeader(KafkaConstants.TOPIC, "orders");
        exchange.getMessage().setHeader(KafkaConstants.PARTITION, 0);
        exchange.getMessage().setHeader(KafkaConstants.OFFSET, offset);
        producer.process(exchange, doneSync -> done.add(exchange));
        return exchange;
    }

    private static SendMessageResponse ok() {
        return SendMessageResponse.builder().messageId("id").build();
    }

    @Test
    void sendsOneMessageOfAGroupAtATimeAndGroupsInParallel() {
        List<Exchange> done = new CopyOnWriteArrayList<>();
        send("g", 1, done);
        send("g", 2, done);
        send("h", 3, done);

        assertThat(sends).extracting(s -> s.request().messageBody()).containsExactly("m1", "m3");
        assertThat(sends.get(0).request().messageGroupId()).isEqualTo("g");
        assertThat(sends.get(0).request().messageDeduplicationId()).isEqualTo("kafka:orders:0:1");

        sends.get(0).answer().complete(ok());

        assertThat(sends).extracting(s -> s.request().messageBody()).containsExactly("m1", "m3", "m2");
        assertThat(done).hasSize(1);
    }

    @Test
    void aFailedSendFailsTheMessagesQueuedBehindItInItsGroupOnly() {
        List<Exchange> done = new CopyOnWriteArrayList<>();
        Exchange first = send("g", 1, done);
        Exchange second = send("g", 2, done);
        Exchange third = send("g", 3, done);

        sends.get(0).answer().completeExceptionally(SqsException.builder().message("throttled").build());

        assertThat(done).containsExactly(first, second, third);
        assertThat(first.getException()).isInstanceOf(SqsSendException.class).hasMessageContaining("throttled");
        assertThat(second.getException()).isInstanceOf(SqsSendException.class).hasMessageContaining("earlier message");
        assertThat(third.getException()).isInstanceOf(SqsSendException.class);
        assertThat(sends).hasSize(1);

        // Read again by the source: the group starts afresh.
        send("g", 1, done);
        assertThat(sends).hasSize(2);
    }

    @Test
    void aBadRequestJudgesTheMessageUnlessItIsAboutTheQueueThrottlingOrCredentials() {
        assertThat(SqsSinkProducer.isRefusal(error(400, "InvalidParameterValue"))).isTrue();
        assertThat(SqsSinkProducer.isRefusal(error(400, "MalformedRequestContentRejection"))).as("an emulator's own code").isTrue();
        assertThat(SqsSinkProducer.isRefusal(error(400, null))).isTrue();
        assertThat(SqsSinkProducer.isRefusal(error(400, "AWS.SimpleQueueService.NonExistentQueue"))).isFalse();
        assertThat(SqsSinkProducer.isRefusal(error(400, "RequestThrottled"))).isFalse();
        assertThat(SqsSinkProducer.isRefusal(error(400, "KmsThrottled"))).isFalse();
        assertThat(SqsSinkProducer.isRefusal(error(403, "AccessDenied"))).isFalse();
        assertThat(SqsSinkProducer.isRefusal(error(500, "InternalError"))).isFalse();
        assertThat(SqsSinkProducer.isRefusal(new IllegalStateException("connection reset"))).isFalse();
    }

    private static SqsException error(int status, String code) {
        return (SqsException) SqsException.builder().statusCode(status).awsErrorDetails(
                software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}
