package io.interchange.brokers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Each broker of the harness is real, answers its own protocol, and listens on loopback only. */
class BrokersIT {

    @Test
    void kafkaIsARealBrokerOnLoopback() throws Exception {
        KafkaBroker kafka = Brokers.kafka();
        kafka.createTopic("brokers-it", 3);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            assertThat(admin.describeTopics(List.of("brokers-it")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("brokers-it").partitions()).hasSize(3);
        }
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            RecordMetadata sent = producer.send(new ProducerRecord<>("brokers-it", "key-1", "hello kafka"))
                    .get(30, TimeUnit.SECONDS);
            assertThat(sent.offset()).isZero();
        }
        Properties consumerConfig = new Properties();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "brokers-it");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("brokers-it"));
            Deadline deadline = Deadline.in(Duration.ofSeconds(30));
            while (received.isEmpty() && !deadline.expired()) {
                consumer.poll(Duration.ofMillis(500)).forEach(received::add);
            }
        }
        assertThat(received).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("key-1");
            assertThat(record.value()).isEqualTo("hello kafka");
        });
        LoopbackSockets.assertOnlyLoopback(List.of(kafka.pid()), List.of(kafka.port()));
    }

    @Test
    void kafkaComesBackOnTheSamePortWithItsDataAfterACrash() throws Exception {
        KafkaBroker kafka = Brokers.kafka();
        kafka.createTopic("brokers-it-restart", 1);
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("brokers-it-restart", "before crash")).get(30, TimeUnit.SECONDS);
        }
        String bootstrapServers = kafka.bootstrapServers();
        long pidBefore = kafka.pid();

        kafka.kill();
        assertThat(LoopbackPorts.isOpen(kafka.port())).isFalse();
        kafka.start();

        assertThat(kafka.bootstrapServers()).isEqualTo(bootstrapServers);
        assertThat(kafka.pid()).isNotEqualTo(pidBefore);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("brokers-it-restart");
        }
        Properties consumerConfig = new Properties();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "brokers-it-restart");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("brokers-it-restart"));
            Deadline deadline = Deadline.in(Duration.ofSeconds(30));
            while (values.isEmpty() && !deadline.expired()) {
                consumer.poll(Duration.ofMillis(500)).forEach(record -> values.add(record.value()));
            }
        }
        assertThat(values).containsExactly("before crash");
    }

    @Test
    void rabbitMqIsARealBrokerOnLoopbackAndSurvivesARestart() throws Exception {
        RabbitMqBroker rabbit = Brokers.rabbitmq();
        ConnectionFactory factory = connectionFactory(rabbit);
        String queue = "brokers-it";
        try (var connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, null);
            channel.queuePurge(queue);
            channel.confirmSelect();
            publishPersistent(channel, queue, "before restart 1");
            publishPersistent(channel, queue, "before restart 2");
            channel.waitForConfirmsOrDie(10_000);
            assertThat(body(channel.basicGet(queue, true))).isEqualTo("before restart 1");
        }
        LoopbackSockets.assertOnlyLoopback(rabbit.pids(), List.of(rabbit.port()));

        rabbit.stop();
        assertThat(LoopbackPorts.isOpen(rabbit.port())).isFalse();
        rabbit.start();

        try (var connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            // The durable queue and its persistent message outlived the restart.
            assertThat(body(channel.basicGet(queue, true))).isEqualTo("before restart 2");
            channel.confirmSelect();
            publishPersistent(channel, queue, "after restart");
            channel.waitForConfirmsOrDie(10_000);
            assertThat(body(channel.basicGet(queue, true))).isEqualTo("after restart");
        }
        LoopbackSockets.assertOnlyLoopback(rabbit.pids(), List.of(rabbit.port()));

        ConnectionFactory guest = connectionFactory(rabbit);
        guest.setUsername("guest");
        guest.setPassword("guest");
        assertThatThrownBy(guest::newConnection).isInstanceOf(AuthenticationFailureException.class);
    }

    @Test
    void devModeGetsRabbitMqWhenItIsInstalled() {
        assertThat(RabbitMqBroker.isInstalled()).as("rabbitmq-server installed on this machine").isTrue();
        assertThat(Brokers.devAmqp()).isSameAs(Brokers.rabbitmq());
    }

    @Test
    void postgresIsARealServerOnLoopback() throws Exception {
        PostgresBroker postgres = Brokers.postgres();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                postgres.password()); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS brokers_it (id int PRIMARY KEY, name text NOT NULL)");
            statement.execute("DELETE FROM brokers_it");
            statement.execute("INSERT INTO brokers_it VALUES (1, 'hello postgres')");
            try (ResultSet rows = statement.executeQuery(
                    "SELECT name, current_database(), host(inet_server_addr()) FROM brokers_it WHERE id = 1")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("hello postgres");
                assertThat(rows.getString(2)).isEqualTo("interchange");
                assertThat(rows.getString(3)).isEqualTo("127.0.0.1");
            }
        }
        LoopbackSockets.assertOnlyLoopback(List.of(postgres.pid()), List.of(postgres.port()));
    }

    @Test
    void sqsServesStandardAndFifoQueuesOnLoopback() {
        SqsBroker sqs = Brokers.sqs();
        try (SqsClient client = sqs.sqsClient()) {
            String standard = client.createQueue(q -> q.queueName("brokers-it")).queueUrl();
            client.sendMessage(m -> m.queueUrl(standard).messageBody("hello standard"));
            assertThat(receive(client, standard)).singleElement()
                    .satisfies(message -> assertThat(message.body()).isEqualTo("hello standard"));

            String fifo = client.createQueue(CreateQueueRequest.builder().queueName("brokers-it.fifo")
                    .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true",
                            QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "true"))
                    .build()).queueUrl();
            assertThat(fifo).startsWith(sqs.endpoint().toString());
            client.sendMessage(m -> m.queueUrl(fifo).messageBody("hello fifo").messageGroupId("group-1")
                    .messageAttributes(Map.of("ce-type", MessageAttributeValue.builder().dataType("String")
                            .stringValue("io.interchange.test").build())));
            assertThat(receive(client, fifo)).singleElement().satisfies(message -> {
                assertThat(message.body()).isEqualTo("hello fifo");
                assertThat(message.messageAttributes().get("ce-type").stringValue()).isEqualTo("io.interchange.test");
                assertThat(message.attributesAsStrings()).containsEntry("MessageGroupId", "group-1");
            });
        }
        LoopbackSockets.assertOnlyLoopback(List.of(ProcessHandle.current().pid()), List.of(sqs.endpoint().getPort()));
    }

    @Test
    void sqsOutageClosesTheEndpointAndKeepsQueuesAndMessages() {
        SqsBroker sqs = Brokers.sqs();
        int port = sqs.endpoint().getPort();
        try (SqsClient client = sqs.sqsClient()) {
            String url = client.createQueue(q -> q.queueName("brokers-it-outage")).queueUrl();
            client.sendMessage(m -> m.queueUrl(url).messageBody("outlasts the outage"));
            sqs.stop();
            try {
                assertThat(LoopbackPorts.isOpen(port)).as("endpoint closed during the outage").isFalse();
            } finally {
                sqs.start();
            }
            assertThat(LoopbackPorts.isOpen(port)).as("endpoint back on the same port").isTrue();
            assertThat(receive(client, url)).singleElement()
                    .satisfies(message -> assertThat(message.body()).isEqualTo("outlasts the outage"));
        }
    }

    @Test
    void qpidSpeaksAmqp091OnLoopback() throws Exception {
        try (QpidAmqpBroker qpid = new QpidAmqpBroker()) {
            qpid.start();
            String queue = "brokers-it";
            try (var connection = connectionFactory(qpid).newConnection();
                    Channel channel = connection.createChannel()) {
                channel.queueDeclare(queue, true, false, false, null);
                channel.confirmSelect();
                publishPersistent(channel, queue, "hello qpid");
                channel.waitForConfirmsOrDie(10_000);
                CompletableFuture<String> delivered = new CompletableFuture<>();
                channel.basicConsume(queue, false, (tag, delivery) -> {
                    channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
                    delivered.complete(new String(delivery.getBody(), StandardCharsets.UTF_8));
                }, tag -> { });
                assertThat(delivered.get(10, TimeUnit.SECONDS)).isEqualTo("hello qpid");
            }
            LoopbackSockets.assertOnlyLoopback(List.of(ProcessHandle.current().pid()), List.of(qpid.port()));
        }
    }

    private static ConnectionFactory connectionFactory(AmqpBroker broker) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(broker.host());
        factory.setPort(broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        factory.setVirtualHost("/");
        return factory;
    }

    private static void publishPersistent(Channel channel, String queue, String body) throws IOException {
        channel.basicPublish("", queue, true, MessageProperties.PERSISTENT_TEXT_PLAIN,
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static String body(GetResponse response) {
        assertThat(response).as("a message in the queue").isNotNull();
        return new String(response.getBody(), StandardCharsets.UTF_8);
    }

    private static List<Message> receive(SqsClient client, String queueUrl) {
        return client.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(5).maxNumberOfMessages(10)
                .messageAttributeNames("All").messageSystemAttributeNamesWithStrings("All")).messages();
    }
}
