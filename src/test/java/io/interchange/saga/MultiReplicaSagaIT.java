package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import io.interchange.GatewayProcess;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.brokers.NarayanaLraCoordinator;
import io.interchange.brokers.PostgresBroker;

/**
 * Three gateway processes on the same Kafka, RabbitMQ, ElasticMQ, PostgreSQL (the saga store) and Narayana
 * coordinator, which calls them back through one address ({@link LoopbackBalancer}, as a Service would). 1,000 sagas
 * are placed over all three by 12 clients, one in ten failing at a random step; when 400 have been placed one replica
 * is killed with SIGKILL and started again. Replies and callbacks reach whichever replica the brokers and the balancer
 * pick. Asserted from what the participants (simulated, in this JVM, outliving the kill) saw of every saga: it ended
 * completed (each step done once and completed once) or fully compensated (each done step compensated once, nothing
 * completed); every compensation and completion request is counted, so a repeat shows; a repeat is accepted only for a
 * callback that was running on the killed replica when it died (the coordinator calls it again and the new replica
 * cannot know whether the first request reached the participant, or the reply was held by the killed replica). The run
 * is checked once the coordinator has ended every LRA of it: none may stay open.
 */
class MultiReplicaSagaIT {

    static final List<String> STEPS = List.of("order", "inventory", "payment", "shipping");
    static final Set<String> COMPENSATION_ACTIONS = Set.of("cancel", "release", "refund");
    static final Set<String> COMPLETION_ACTIONS = Set.of("confirm", "commit", "capture");
    static final int SAGAS = Integer.getInteger("it.multiReplica.sagas", 1000);
    static final int CLIENTS = 12;
    static final int KILL_AFTER = SAGAS * 2 / 5;
    static final Duration SAGA_TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void oneThousandSagasOnThreeReplicasWithOneKilledAllEndCompletedOrFullyCompensated() throws Exception {
        Instant began = Instant.now();
        Map<String, String> brokers = SagaBrokers.prepare();
        PostgresBroker postgres = Brokers.postgres();
        List<Integer> httpPorts = List.of(LoopbackPorts.free(), LoopbackPorts.free(), LoopbackPorts.free());
        List<Integer> managementPorts = List.of(LoopbackPorts.free(), LoopbackPorts.free(), LoopbackPorts.free());
        try (SagaBrokers.HostedParticipants host = SagaBrokers.hostParticipants(brokers, "--logging.level.root=WARN");
                LoopbackBalancer service = new LoopbackBalancer(httpPorts)) {
            SimulatedParticipants participants = host.participants();
            List<GatewayProcess> gateways = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Map<String, String> settings = new LinkedHashMap<>(brokers);
                    settings.put("INTERCHANGE_SAGA_ENABLED", "true");
                    settings.put("INTERCHANGE_SAGA_TIMEOUT", SAGA_TIMEOUT.toSeconds() + "s");
                    settings.put("INTERCHANGE_SAGA_STORE", "jdbc");
                    settings.put("INTERCHANGE_DATASOURCE_URL", postgres.jdbcUrl());
                    settings.put("INTERCHANGE_DATASOURCE_USERNAME", postgres.username());
                    settings.put("INTERCHANGE_DATASOURCE_PASSWORD", postgres.password());
                    settings.put("INTERCHANGE_DATASOURCE_POOL_SIZE", "6");
                    settings.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN", "file:routes/order-saga.yaml");
                    settings.put("INTERCHANGE_HTTP_PORT", String.valueOf(httpPorts.get(i)));
                    settings.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(managementPorts.get(i)));
                    // The coordinator calls back whichever replica the "Service" picks.
                    settings.put("INTERCHANGE_LRA_PARTICIPANT_URL", "http://127.0.0.1:" + service.port());
                    // A breaker opened by the stall around the kill closes again soon; a callback left running by
                    // the killed replica is taken over after 10 s.
                    settings.put("SPRING_APPLICATION_JSON", "{\"interchange.saga.callback-lease\":\"10s\","
                            + breakers("3s") + "}");
                    GatewayProcess gateway = new GatewayProcess("multi-replica-" + i, settings);
                    gateways.add(gateway);
                    gateway.start();
                }
                for (int port : managementPorts) {
                    awaitReady(port);
                }
                System.out.printf("Three gateways ready %d s after the start%n",
                        Duration.between(began, Instant.now()).toSeconds());

                Map<String, Integer> answers = new ConcurrentHashMap<>();
                Map<String, String> failAt = new ConcurrentHashMap<>();
                AtomicInteger next = new AtomicInteger();
                Instant[] killedAt = new Instant[1];
                Instant[] backAt = new Instant[1];
                Random random = new Random(12);
                for (int i = 0; i < SAGAS; i++) {
                    if (random.nextInt(10) == 0) {
                        failAt.put("mr-" + i, STEPS.get(random.nextInt(STEPS.size())));
                    }
                }
                Instant placing = Instant.now();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    Thread thread = new Thread(() -> {
                        for (int i = next.getAndIncrement(); i < SAGAS; i = next.getAndIncrement()) {
                            if (i == KILL_AFTER) {
                                killAndRestart(gateways.get(1), managementPorts.get(1), killedAt, backAt);
                            }
                            String orderId = "mr-" + i;
                            int port = httpPorts.get((client + i) % 3);
                            answers.put(orderId, place(port, orderId, failAt.get(orderId)));
                        }
                    }, "multi-replica-client-" + c);
                    clients.add(thread);
                    thread.start();
                }
                for (Thread thread : clients) {
                    thread.join();
                }
                Duration placingTook = Duration.between(placing, Instant.now());
                Map<Integer, Long> byStatus = answers.values().stream()
                        .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
                System.out.printf("%d sagas answered in %d s (%.1f/s) by HTTP status %s; replica 1 killed at %s, back at"
                        + " %s%n", SAGAS, placingTook.toSeconds(), SAGAS / (placingTook.toMillis() / 1000.0), byStatus,
                        killedAt[0], backAt[0]);

                // Every saga that reached a participant ends, whatever its client heard; the ones abandoned by the
                // killed replica are cancelled by the coordinator at their time limit and compensated by the others.
                await().atMost(SAGA_TIMEOUT.multipliedBy(6)).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> assertThat(open(participants)).as("sagas not yet ended").isEmpty());
                // And the coordinator has ended every LRA of the run: from then on no callback can come, so the
                // counts below are final (a retried completion may still arrive after the effects are all there).
                // Narayana 1.1 has been seen to keep an LRA Closing, calling nobody, after the gateway answered its
                // completion within a second (once in 1,000 sagas under CI load; its periodic recovery, every 5 s
                // here, reads LRA records while closes remove them, and that run logged "BasicAction.restore_state -
                // IOException"). The gateway cannot end such an LRA: it is accepted only if the shared store has
                // every step's completion done, and only a few of them.
                List<String> leftClosing = new ArrayList<>();
                await().atMost(SAGA_TIMEOUT.multipliedBy(6)).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> {
                            List<String> open = openLras(began);
                            leftClosing.clear();
                            for (String lra : open) {
                                if (completedInStore(managementPorts.get(0), lra)) {
                                    leftClosing.add(lra);
                                }
                            }
                            assertThat(open).as("LRAs of this run still open after the saga timeout, other than"
                                    + " ones left Closing by the coordinator after the gateway completed them")
                                    .containsExactlyInAnyOrderElementsOf(leftClosing);
                        });
                System.out.printf("LRAs left Closing by the coordinator after every step's completion was done: %s%n",
                        leftClosing);
                assertThat(leftClosing).as("LRAs left Closing by the coordinator").hasSizeLessThanOrEqualTo(2);

                Verdict verdict = verify(participants, answers, killedAt[0], backAt[0],
                        uid -> attempts(managementPorts.get(0), uid));
                System.out.printf("Sagas seen by participants: %d completed, %d compensated; %d requests repeated"
                        + " after an attempt lost with the killed replica: %s%n", verdict.completed,
                        verdict.compensated, verdict.repeatsByKill.size(), verdict.repeatsByKill);
                assertThat(verdict.problems).as("sagas that did not end completed or compensated exactly once")
                        .isEmpty();
                assertThat(verdict.completed + verdict.compensated).isGreaterThan(SAGAS * 9 / 10);
                assertThat(verdict.compensated).as("the one in ten that fail, at least")
                        .isGreaterThanOrEqualTo(failAt.size() * 9 / 10);

                // Every replica shows the sagas of all of them, from the shared store: what it says they ended as.
                Map<String, Integer> inStore = new TreeMap<>();
                for (String status : List.of("active", "completed", "compensating", "compensated", "failed")) {
                    inStore.put(status, json.readTree(get(managementPorts.get(2), "/actuator/sagas?status=" + status
                            + "&limit=1000&from=" + began)).path("sagas").size());
                }
                System.out.printf("The saga store (read on replica 2) lists the run's sagas as %s%n", inStore);
                assertThat(inStore.get("active") + inStore.get("compensating")).as("sagas the store shows active or"
                        + " compensating: " + get(managementPorts.get(2), "/actuator/sagas?status=active&from=" + began)
                        + " " + get(managementPorts.get(2), "/actuator/sagas?status=compensating&from=" + began)).isZero();
                assertThat(inStore.get("completed")).isGreaterThanOrEqualTo(verdict.completed);
            } finally {
                for (GatewayProcess gateway : gateways) {
                    gateway.close();
                }
            }
        }
    }

    private static String breakers(String waitInOpenState) {
        return STEPS.stream().map(p -> "\"interchange.saga.participants." + p + ".breaker.wait-in-open-state\":\""
                + waitInOpenState + "\"").collect(Collectors.joining(","));
    }

    private void killAndRestart(GatewayProcess gateway, int managementPort, Instant[] killedAt, Instant[] backAt) {
        try {
            gateway.kill();
            killedAt[0] = Instant.now();
            System.out.println("Replica 1 killed (SIGKILL) at " + killedAt[0]);
            gateway.start();
            awaitReady(managementPort);
            backAt[0] = Instant.now();
            System.out.printf("Replica 1 back %d ms after the kill%n",
                    Duration.between(killedAt[0], backAt[0]).toMillis());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int place(int port, String orderId, String failing) {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("orderId", orderId);
        order.put("amount", 42);
        if (failing != null) {
            order.put("simulate", Map.of(failing, "fail"));
        }
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(order)))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1; // the replica died under it, or no answer
        }
    }

    private static String kind(SimulatedParticipants.Entry entry) {
        return COMPENSATION_ACTIONS.contains(entry.action()) ? "compensation"
                : COMPLETION_ACTIONS.contains(entry.action()) ? "completion" : "action";
    }

    /** Order ids whose saga has done steps that were neither all completed nor all compensated yet. */
    private static List<String> open(SimulatedParticipants participants) {
        Map<String, List<SimulatedParticipants.Entry>> bySaga = runJournal(participants);
        List<String> open = new ArrayList<>();
        bySaga.forEach((sagaId, entries) -> {
            Set<String> done = effects(entries, "done");
            Set<String> completed = effects(entries, "completed");
            Set<String> compensated = effects(entries, "compensated");
            boolean ended = !done.isEmpty() && completed.equals(Set.copyOf(STEPS)) || compensated.equals(done);
            if (!ended) {
                open.add(entries.get(0).orderId());
            }
        });
        return open;
    }

    private static Map<String, List<SimulatedParticipants.Entry>> runJournal(SimulatedParticipants participants) {
        return participants.journal().stream().filter(e -> e.orderId() != null && e.orderId().startsWith("mr-"))
                .collect(Collectors.groupingBy(SimulatedParticipants.Entry::sagaId, LinkedHashMap::new,
                        Collectors.toList()));
    }

    private static Set<String> effects(List<SimulatedParticipants.Entry> entries, String effect) {
        return entries.stream().filter(e -> e.effect().equals(effect)).map(SimulatedParticipants.Entry::participant)
                .collect(Collectors.toSet());
    }

    record Verdict(int completed, int compensated, List<String> problems, List<String> repeatsByKill) {
    }

    /**
     * Per saga that reached a participant: completed (every step done once and completed) or compensated (every done
     * step compensated, nothing completed), each effect exactly once, and every compensation and completion request
     * counted. More than one request for one callback passes only if the gateway made each as a new attempt after the
     * previous one had no outcome (the ledger counts attempts: a repeat the ledger should have answered itself fails),
     * and the first was made while the kill disturbed the run: a callback running on the killed replica is taken over
     * after the lease, and a reply held by it (its Kafka partitions until the rebalance, its unacknowledged RabbitMQ
     * deliveries, its in-flight SQS receives) times the waiting step out, so the coordinator calls again.
     */
    private static Verdict verify(SimulatedParticipants participants, Map<String, Integer> answers, Instant killedAt,
            Instant backAt, java.util.function.Function<String, JsonNode> ledger) {
        int completed = 0;
        int compensated = 0;
        List<String> problems = new ArrayList<>();
        List<String> repeatsByKill = new ArrayList<>();
        Instant windowFrom = killedAt == null ? Instant.MAX : killedAt.minusSeconds(6);
        Instant windowTo = killedAt == null ? Instant.MIN : (backAt == null ? Instant.now() : backAt).plusSeconds(30);
        for (Map.Entry<String, List<SimulatedParticipants.Entry>> saga : runJournal(participants).entrySet()) {
            List<SimulatedParticipants.Entry> entries = saga.getValue();
            String orderId = entries.get(0).orderId();
            Set<String> done = effects(entries, "done");
            boolean isCompleted = !effects(entries, "completed").isEmpty();
            Map<String, List<SimulatedParticipants.Entry>> requests = entries.stream()
                    .filter(e -> !kind(e).equals("action"))
                    .collect(Collectors.groupingBy(e -> e.participant() + "|" + kind(e)));
            List<String> sagaProblems = new ArrayList<>();
            for (String step : STEPS) {
                long actions = entries.stream().filter(e -> e.participant().equals(step) && kind(e).equals("action")
                        && (e.effect().equals("done") || e.effect().equals("failed"))).count();
                if (actions > 1) {
                    sagaProblems.add(step + " acted " + actions + " times");
                }
            }
            String kind = isCompleted ? "completion" : "compensation";
            if (isCompleted) {
                completed++;
                if (!done.equals(Set.copyOf(STEPS))) {
                    sagaProblems.add("completed with only " + done + " done");
                }
                for (String step : STEPS) {
                    if (requests.containsKey(step + "|compensation")) {
                        sagaProblems.add(step + " asked to compensate in a completed saga");
                    }
                    expectOnce(requests.get(step + "|completion"), "completed", step, sagaProblems);
                }
                if (Integer.valueOf(409).equals(answers.get(orderId))) {
                    sagaProblems.add("answered 409 but completed");
                }
            } else {
                compensated++;
                for (String step : STEPS) {
                    if (requests.containsKey(step + "|completion")) {
                        sagaProblems.add(step + " completed in a compensated saga");
                    }
                    if (done.contains(step)) {
                        expectOnce(requests.get(step + "|compensation"), "compensated", step, sagaProblems);
                    }
                }
                if (Integer.valueOf(200).equals(answers.get(orderId))) {
                    sagaProblems.add("answered 200 but compensated");
                }
            }
            for (String step : STEPS) {
                List<SimulatedParticipants.Entry> asked = requests.get(step + "|" + kind);
                if (asked == null || asked.size() < 2) {
                    continue;
                }
                Instant first = asked.get(0).at();
                int attempts = attempts(ledger.apply(SagaLedger.uid(saga.getKey())), step, kind);
                String what = step + " " + kind + " asked " + asked.size() + " times, " + attempts + " attempts in the"
                        + " ledger, first at " + first;
                if (first.isBefore(windowFrom) || first.isAfter(windowTo)) {
                    sagaProblems.add(what + ", outside the kill's disturbance");
                } else if (asked.size() > attempts) {
                    sagaProblems.add(what + ": a repeat the ledger should have answered itself");
                } else {
                    repeatsByKill.add(orderId + " " + what);
                }
            }
            if (!sagaProblems.isEmpty()) {
                problems.add(orderId + " " + saga.getKey() + ": " + sagaProblems + "; journal "
                        + entries.stream().map(e -> e.participant() + ":" + e.action() + ":" + e.effect() + "@" + e.at())
                                .toList());
            }
        }
        return new Verdict(completed, compensated, problems.stream().limit(20).toList(), repeatsByKill);
    }

    /** The callback was asked for, and took effect exactly once (its repeats, if any, had none). */
    private static void expectOnce(List<SimulatedParticipants.Entry> requests, String effect, String step,
            List<String> problems) {
        if (requests == null || requests.isEmpty()) {
            problems.add(step + " never asked to " + effect.replace("ed", "e"));
            return;
        }
        long effective = requests.stream().filter(e -> e.effect().equals(effect)).count();
        if (effective != 1) {
            problems.add(step + " " + effect + " " + effective + " times");
        }
    }

    private static int attempts(JsonNode saga, String step, String kind) {
        for (JsonNode s : saga.path("steps")) {
            if (step.equals(s.path("step").asText())) {
                return s.path(kind + "Attempts").asInt(0);
            }
        }
        return 0;
    }

    private JsonNode attempts(int managementPort, String uid) {
        try {
            return json.readTree(get(managementPort, "/actuator/sagas/" + uid));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether an open LRA ({@code "<id> <status>"}) is Closing while the store has every step's completion done. */
    private boolean completedInStore(int managementPort, String lra) {
        if (!lra.endsWith(" Closing")) {
            return false;
        }
        String id = lra.substring(0, lra.length() - " Closing".length());
        JsonNode saga = attempts(managementPort, id.substring(id.lastIndexOf('/') + 1));
        if (!"completed".equals(saga.path("status").asText()) || saga.path("steps").size() != STEPS.size()) {
            return false;
        }
        for (JsonNode step : saga.path("steps")) {
            if (!"done".equals(step.path("completion").asText())) {
                return false;
            }
        }
        return true;
    }

    /** LRAs started since {@code since} that the coordinator still has open. */
    private List<String> openLras(Instant since) throws Exception {
        String all = http.send(HttpRequest.newBuilder(URI.create(NarayanaLraCoordinator.shared().url()))
                .header("Accept", "application/json").timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        List<String> open = new ArrayList<>();
        for (JsonNode lra : json.readTree(all)) {
            long started = lra.path("startTime").asLong(0);
            String status = lra.path("status").asText();
            if (started >= since.toEpochMilli() && !Set.of("Closed", "Cancelled").contains(status)) {
                open.add(lra.path("lraId").asText() + " " + status);
            }
        }
        return open;
    }

    private String get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private void awaitReady(int managementPort) {
        URI readiness = URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/readiness");
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }
}
