package io.interchange.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.PostgresBroker;
import io.interchange.brokers.RabbitMqBroker;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Two gateways (two Spring contexts) sharing the PostgreSQL store each consume every delivery of the
 * same events: {@value #EVENTS} events, each published three times in a shuffled order to a fanout
 * exchange with one queue per gateway (2 x 30,000 deliveries). Exactly one copy of each event may
 * reach the sink, also when the first attempt of 5% of the events fails.
 */
class DuplicateStormIT {

    private static final Logger LOG = LoggerFactory.getLogger(DuplicateStormIT.class);

    static final int EVENTS = 10_000;
    private static final int COPIES = 3;
    private static final String ROUTE = "storm-dedupe";

    /** Fails the first attempt (in either gateway) of every event chosen for it. Shared by both contexts. */
    public static final class Faults {
        private final Set<String> failOnce = ConcurrentHashMap.newKeySet();
        final AtomicInteger injected = new AtomicInteger();

        void failFirstAttemptOf(String id) {
            failOnce.add(id);
        }

        public void process(@Header("ce-id") String id) {
            if (failOnce.remove(id)) {
                injected.incrementAndGet();
                throw new IllegalStateException("injected failure of the first attempt of " + id);
            }
        }
    }

    private Connection rabbit;
    private Channel channel;
    private final List<ConfigurableApplicationContext> gateways = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        RabbitMqBroker broker = Brokers.rabbitmq();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(broker.host());
        factory.setPort(broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        rabbit = factory.newConnection("duplicate-storm-it");
        channel = rabbit.createChannel();
    }

    @AfterEach
    void close() throws Exception {
        for (ConfigurableApplicationContext gateway : gateways) {
            gateway.close();
        }
        gateways.clear();
        rabbit.close();
    }

    /** The same route with Camel's idempotentConsumer EIP and with the batched step interchange-idempotent. */
    @ParameterizedTest
    @ValueSource(strings = {"storm", "storm-batched"})
    void tenThousandEventsDeliveredThreeTimesToTwoGatewaysArriveExactlyOnce(String route) throws Exception {
        Faults faults = new Faults();
        storm(route, "clean", faults);
        assertThat(faults.injected).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"storm", "storm-batched"})
    void withFivePercentOfFirstAttemptsFailingStillExactlyOnceNoneLost(String route) throws Exception {
        Faults faults = new Faults();
        for (int i = 0; i < EVENTS; i += 20) {
            faults.failFirstAttemptOf("e-" + i);
        }
        storm(route, "faults", faults);
        assertThat(faults.injected).as("first attempts failed").hasValue(EVENTS / 20);
    }

    private void storm(String route, String variant, Faults faults) throws Exception {
        String run = route + "-" + variant;
        String in = run + ".in";
        String out = run + ".out";
        String dlx = run + ".dlx";
        channel.exchangeDeclare(in, BuiltinExchangeType.FANOUT, true);
        channel.exchangeDeclare(out, BuiltinExchangeType.FANOUT, true);
        channel.exchangeDeclare(dlx, BuiltinExchangeType.FANOUT, true);
        for (String queue : List.of(in + ".a", in + ".b")) {
            channel.queueDeclare(queue, true, false, false, null);
            channel.queuePurge(queue);
            channel.queueBind(queue, in, "");
        }
        channel.queueDeclare(out + ".q", true, false, false, null);
        channel.queuePurge(out + ".q");
        channel.queueBind(out + ".q", out, "");
        channel.queueDeclare(dlx + ".q", true, false, false, null);
        channel.queuePurge(dlx + ".q");
        channel.queueBind(dlx + ".q", dlx, "");

        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        AtomicInteger total = new AtomicInteger();
        String marker = "end-of-" + run;
        channel.basicConsume(out + ".q", true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                String id = new String(body, StandardCharsets.UTF_8);
                if (!id.equals(marker)) {
                    total.incrementAndGet();
                }
                received.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }
        });

        gateways.add(gateway(route, run, "a", in + ".a", out, dlx, faults));
        gateways.add(gateway(route, run, "b", in + ".b", out, dlx, faults));

        long begin = System.nanoTime();
        publishShuffled(in);
        LOG.info("{}: published {} deliveries in {} ms", run, EVENTS * COPIES, (System.nanoTime() - begin) / 1_000_000);

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (ConfigurableApplicationContext gateway : gateways) {
                assertThat(completed(gateway)).as("deliveries completed by a gateway").isEqualTo(EVENTS * COPIES);
            }
        });
        long millis = (System.nanoTime() - begin) / 1_000_000;
        // Every sink publish was confirmed before its delivery completed; a marker published now arrives
        // after all of them (one queue keeps order).
        channel.basicPublish(out, "", null, marker.getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(60)).until(() -> received.containsKey(marker));

        LOG.info("{}: 2 gateways x {} deliveries processed in {} ms; {} reached the sink; per gateway {}", run,
                EVENTS * COPIES, millis, total.get(), gateways.stream().map(DuplicateStormIT::summary).toList());
        assertThat(total.get()).as("messages at the sink").isEqualTo(EVENTS);
        for (int i = 0; i < EVENTS; i++) {
            assertThat(received.get("e-" + i)).as("e-" + i).isNotNull().hasValue(1);
        }
        assertThat(channel.queueDeclarePassive(dlx + ".q").getMessageCount()).as("dead letters").isZero();
        double stored = 0;
        double duplicates = 0;
        for (ConfigurableApplicationContext gateway : gateways) {
            MeterRegistry meters = gateway.getBean(MeterRegistry.class);
            stored += meters.get("interchange.idempotency.keys.stored").counter().count();
            duplicates += meters.get("interchange.idempotency.duplicates").counter().count();
        }
        assertThat(stored).as("keys confirmed across both gateways").isEqualTo(EVENTS);
        assertThat(duplicates).as("deliveries dropped as duplicates").isEqualTo(2 * EVENTS * COPIES - EVENTS);
    }

    private void publishShuffled(String exchange) throws Exception {
        List<Integer> deliveries = new ArrayList<>(EVENTS * COPIES);
        for (int copy = 0; copy < COPIES; copy++) {
            for (int i = 0; i < EVENTS; i++) {
                deliveries.add(i);
            }
        }
        Collections.shuffle(deliveries, new Random(42));
        try (Channel publisher = rabbit.createChannel()) {
            publisher.confirmSelect();
            for (int i : deliveries) {
                String id = "e-" + i;
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().contentType("text/plain")
                        .deliveryMode(2).headers(Map.of("cloudEvents:specversion", "1.0", "cloudEvents:id", id,
                                "cloudEvents:source", "/storm", "cloudEvents:type", "com.example.storm"))
                        .build();
                publisher.basicPublish(exchange, "", properties, id.getBytes(StandardCharsets.UTF_8));
            }
            publisher.waitForConfirmsOrDie(60_000);
        }
    }

    private static ConfigurableApplicationContext gateway(String route, String run, String name, String queue, String out, String dlx,
            Faults faults) {
        PostgresBroker postgres = Brokers.postgres();
        List<String> args = new ArrayList<>();
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> args.add("--" + k + "=" + v));
        args.addAll(List.of(
                "--interchange.idempotency.store=jdbc",
                "--interchange.idempotency.namespace=" + run,
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--spring.datasource.username=" + postgres.username(),
                "--spring.datasource.password=" + postgres.password(),
                "--spring.application.name=gateway-" + name,
                // Two gateways in one JVM: no web server (Camel's servlet name is JVM-wide).
                "--spring.main.web-application-type=none",
                "--storm.queue=" + queue,
                "--storm.out=" + out,
                "--interchange.dead-letter.destinations." + ROUTE + "=interchange-rabbitmq:" + dlx,
                "--camel.main.routes-include-pattern=file:src/test/resources/routes-idempotency/" + route + ".yaml,"
                        + "file:routes/dead-letter.yaml"));
        return new SpringApplicationBuilder(InterchangeApplication.class)
                .initializers(context -> context.getBeanFactory().registerSingleton("stormFaults", faults))
                .run(args.toArray(String[]::new));
    }

    private static long completed(ConfigurableApplicationContext gateway) {
        return (long) gateway.getBean(MeterRegistry.class).get("interchange.bridge.completed").tag("routeId", ROUTE)
                .counter().count();
    }

    private static String summary(ConfigurableApplicationContext gateway) {
        MeterRegistry meters = gateway.getBean(MeterRegistry.class);
        return String.format("%s: stored %.0f, duplicates %.0f (cache %.0f), in progress %.0f, failed %.0f, reserve p-mean %.2f ms",
                gateway.getEnvironment().getProperty("spring.application.name"),
                meters.get("interchange.idempotency.keys.stored").counter().count(),
                meters.get("interchange.idempotency.duplicates").counter().count(),
                meters.get("interchange.idempotency.cache.hits").counter().count(),
                meters.get("interchange.idempotency.in.progress").counter().count(),
                meters.get("interchange.bridge.failed").tag("routeId", ROUTE).counter().count(),
                meters.get("interchange.idempotency.store.latency").tag("operation", "reserve").timer()
                        .mean(java.util.concurrent.TimeUnit.MILLISECONDS));
    }
}
