package io.interchange.bench;

import java.util.List;
import java.util.Map;

/**
 * The saga part of the report ({@link SagaBenchmark}, key {@code saga}) in Markdown: a "Sagas" section after the
 * bridge's tables, or the whole document of a run with {@code -Dbench.only=saga}.
 */
final class SagaReport {

    private SagaReport() {
    }

    /** The saga's row in the bridge's throughput table: sagas are not a bridge copier, so it points to the section. */
    static String bridgeTableRow(Object saga) {
        String where = saga == null ? "not run (`-Dbench.saga=false`)" : "see Sagas below";
        return "| Saga route (routes/order-saga.yaml) | | " + where + " | | | | | | | |\n";
    }

    /** A run of the saga part alone: no bridge figures. */
    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> report) {
        Map<String, Object> machine = (Map<String, Object>) report.get("machine");
        Map<String, Object> versions = (Map<String, Object>) report.get("versions");
        StringBuilder md = new StringBuilder();
        md.append("### Saga part only (`-Dbench.only=saga`), run of ").append(report.get("startedAt")).append("\n\n");
        md.append(section(report.get("saga")));
        md.append(String.format("Machine: %s CPUs (%s), %s GiB, %s; load average at start %s.%n", machine.get("cpus"),
                machine.get("cpuModel"), machine.get("memoryGiB"), machine.get("os"), machine.get("loadAverageAtStart")));
        md.append(String.format("Versions: %s; Kafka clients %s; Interchange %s.%n", versions.get("java"),
                versions.get("kafka"), versions.get("interchangeCommit")));
        md.append("\nRun time ").append(report.get("totalSeconds")).append(" s.\n");
        return md.toString();
    }

    /** The "Sagas" section; empty when the saga part did not run. */
    @SuppressWarnings("unchecked")
    static String section(Object part) {
        if (part == null) {
            return "";
        }
        Map<String, Object> saga = (Map<String, Object>) part;
        StringBuilder md = new StringBuilder("#### Sagas: 4-step order saga, Narayana LRA coordinator\n\n");
        if (saga.containsKey("error")) {
            return md.append("The saga part failed: `").append(saga.get("error"))
                    .append("` (see target/bench/saga-gateway.log).\n\n").toString();
        }
        Map<String, Object> settings = (Map<String, Object>) saga.get("settings");
        Map<String, Object> throughput = (Map<String, Object>) saga.get("throughput");
        Map<String, Object> latency = (Map<String, Object>) saga.get("latency");
        Map<String, Object> compensation = (Map<String, Object>) saga.get("compensation");
        Map<String, Object> verification = (Map<String, Object>) saga.get("verification");
        Map<String, Object> gateway = (Map<String, Object>) saga.get("gateway");
        Map<String, Object> versions = (Map<String, Object>) saga.get("versions");

        md.append("`POST /orders` on the gateway (`java -jar`, saga routes only) to its answer; a saga counts when"
                + " answered 200 `completed`, anything else is an error. The coordinator (lra-coordinator ")
                .append(versions.get("narayanaLraCoordinator")).append(", camel-lra ").append(versions.get("camelLra"))
                .append("), ElasticMQ, the simulated participants and the clients run in the benchmark JVM.\n\n");
        md.append("| run | placed | closed (200) | errors | sagas/s | p50 ms | p99 ms | p99.9 ms | max ms |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        md.append(row("closed loop, " + settings.get("concurrency") + " clients", throughput,
                String.valueOf(throughput.get("sagasPerSecond"))));
        md.append(row("open loop, " + latency.get("rate") + " sagas/s (achieved " + latency.get("achievedRate")
                + ") for " + latency.get("arrivalSeconds") + " s", latency, ""));
        md.append("\n");
        for (Map<String, Object> run : List.of(throughput, latency)) {
            flag(md, "Errors", run.get("errors"), run.get("errorsByStatus") + " (HTTP status; -1 no answer), e.g. "
                    + run.get("errorSamples"));
        }

        md.append(String.format("Compensation: %s sagas failing at Ship Order, one at a time; %s of them fully"
                        + " compensated with every compensation exactly once; answers %s.%n%n",
                compensation.get("failingSagas"), compensation.get("fullyCompensatedExactlyOnce"),
                compensation.get("answers")));
        md.append("| from the failure reply at Ship Order to | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n");
        md.append(percentileRow("the first compensation received", compensation.get("toFirstCompensationMs")));
        md.append(percentileRow("the last real compensation (Cancel Order, Release Inventory, Refund Payment)",
                compensation.get("toLastRealCompensationMs")));
        md.append(percentileRow("the last compensation (incl. Cancel Shipment: nothing to compensate)",
                compensation.get("toLastCompensationMs")));
        md.append(percentileRow("the client's 409 answer", compensation.get("http409AfterFailureMs")));
        md.append("\n");
        flag(md, "Compensation problems", compensation.get("problemCount"), compensation.get("problems"));

        md.append(String.format("Checked at the participants: %s of %s closed sagas with each step done once and"
                        + " completed once; %s of %s compensated sagas compensated exactly once.%n",
                verification.get("closedSagasExactlyOnce"), verification.get("closedSagasChecked"),
                verification.get("compensatedSagasExactlyOnce"), verification.get("compensatedSagasChecked")));
        md.append("\n");
        flag(md, "Problems", verification.get("problemCount"), "deviations over all checked sagas (effect at a"
                + " participant: how many more or missing) " + verification.get("deviations") + ". `completed-again`:"
                + " a completion delivered twice (when a participant's reply comes after the gateway's call timeout the"
                + " callback fails and the coordinator calls it again; participants must be idempotent);"
                + " `compensate-after-completed`: a step of a closed saga asked to compensate (see bench/README.md,"
                + " Sagas). The first 20: " + verification.get("problems"));
        md.append(String.format("Saga service %s, saga store %s; coordinator callbacks per closed saga %s, gateway"
                        + " threads at most %s.%n%n", settings.get("sagaService"), settings.get("sagaStore"),
                throughput.get("coordinatorCallbacksPerSaga"), throughput.get("gatewayMaxThreads")));
        md.append(String.format("CPU per closed saga in the closed loop: gateway %s ms, benchmark JVM (coordinator,"
                        + " ElasticMQ, participants, clients) %s ms, Kafka %s ms, RabbitMQ %s ms; machine busy %s cores,"
                        + " other processes %s cores, load average before %s. Gateway: max RSS %s MiB, start to readiness"
                        + " %s s, JVM options %s.%n%n",
                throughput.get("gatewayCpuMsPerSaga"), throughput.get("benchJvmCpuMsPerSaga"),
                throughput.get("kafkaCpuMsPerSaga"), throughput.get("rabbitmqCpuMsPerSaga"),
                throughput.get("machineBusyCores"), throughput.get("otherProcessesCores"),
                throughput.get("loadAverageBefore"), gateway.get("maxRssMiB"), gateway.get("startupToReadySeconds"),
                gateway.get("jvmOptions")));
        md.append("Gateway counters at the end: ").append(saga.get("gatewayMetrics")).append(".\n\n");
        md.append("Saga settings:\n\n");
        settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append("\n"));
        md.append("\n");
        return md.toString();
    }

    /** A bold paragraph about what went wrong, when {@code count} is not zero. */
    private static void flag(StringBuilder md, String label, Object count, Object details) {
        if (((Number) count).intValue() > 0) {
            md.append("**").append(label).append("** (").append(count).append("): ").append(details).append("\n\n");
        }
    }

    private static String row(String name, Map<String, Object> run, String rate) {
        return String.format("| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", name, run.get("placed"), run.get("closed"),
                run.get("errors"), rate, run.get("p50Ms"), run.get("p99Ms"), run.get("p999Ms"), run.get("maxMs"));
    }

    @SuppressWarnings("unchecked")
    private static String percentileRow(String name, Object values) {
        Map<String, Object> p = (Map<String, Object>) values;
        return String.format("| %s | %s | %s | %s |%n", name, p.get("p50"), p.get("p99"), p.get("max"));
    }
}
