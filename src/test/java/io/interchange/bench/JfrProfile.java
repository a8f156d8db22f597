package io.interchange.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a gateway's CPU and allocation per message go, from a JFR recording of exactly the measured window of a
 * throughput run: execution samples and allocation samples are put in the area of the first frame, from the leaf
 * up, that belongs to one (the gateway's steps, Camel's engine, the client libraries), JDK frames being attributed to
 * their caller. CPU per message of an area = its share of the samples times the run's measured CPU per message;
 * allocation per message = the allocation samples' weights (JFR's estimate of the bytes allocated) over the messages.
 */
final class JfrProfile {

    /** Areas in report order. */
    static final List<String> AREAS = List.of("Kafka source (client + record to exchange)", "CloudEvents read",
            "idempotent consumer", "CloudEvents write", "RabbitMQ sink (client + publish, confirms)",
            "Camel engine (pipeline, error handler, unit of work)", "dead-letter guard", "other gateway code",
            "logging and metrics", "JVM and JDK only");

    private JfrProfile() {
    }

    static Map<String, Object> summarize(Path recording, long messages, double cpuMicrosPerMsg) throws IOException {
        Map<String, Long> cpuSamples = new TreeMap<>();
        Map<String, Double> allocated = new TreeMap<>();
        long samples = 0;
        double allocatedBytes = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            String type = event.getEventType().getName();
            if (type.equals("jdk.ExecutionSample")) {
                cpuSamples.merge(area(event.getStackTrace()), 1L, Long::sum);
                samples++;
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                double weight = event.getLong("weight");
                allocated.merge(area(event.getStackTrace()), weight, Double::sum);
                allocatedBytes += weight;
            }
        }
        Map<String, Object> areas = new LinkedHashMap<>();
        for (String area : AREAS) {
            long count = cpuSamples.getOrDefault(area, 0L);
            double bytes = allocated.getOrDefault(area, 0.0);
            if (count == 0 && bytes == 0) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            double share = samples == 0 ? 0 : count / (double) samples;
            row.put("cpuShare", Math.round(share * 1000) / 10.0);
            row.put("cpuMicrosPerMsg", Math.round(share * cpuMicrosPerMsg * 10) / 10.0);
            row.put("allocatedBytesPerMsg", messages == 0 ? null : Math.round(bytes / messages));
            areas.put(area, row);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("messages", messages);
        summary.put("executionSamples", samples);
        summary.put("cpuMicrosPerMsg", cpuMicrosPerMsg);
        summary.put("allocatedBytesPerMsg", messages == 0 ? null : Math.round(allocatedBytes / messages));
        summary.put("areas", areas);
        return summary;
    }

    static String area(RecordedStackTrace stack) {
        if (stack == null) {
            return "JVM and JDK only";
        }
        List<RecordedFrame> frames = stack.getFrames();
        for (int i = 0; i < frames.size(); i++) {
            String type = frames.get(i).getMethod().getType().getName();
            String method = frames.get(i).getMethod().getName();
            if (type.startsWith("io.interchange.cloudevents.")) {
                return cloudEventsStep(frames, i);
            }
            if (type.startsWith("io.interchange.idempotency.") || type.startsWith("org.postgresql.")
                    || type.startsWith("com.zaxxer.hikari.")) {
                return "idempotent consumer";
            }
            if (type.startsWith("io.interchange.bridge.rabbitmq.") || type.startsWith("com.rabbitmq.")) {
                return "RabbitMQ sink (client + publish, confirms)";
            }
            if (type.startsWith("io.interchange.bridge.kafka.") || type.startsWith("org.apache.kafka.")
                    || type.startsWith("io.interchange.security.")) {
                return "Kafka source (client + record to exchange)";
            }
            if (type.startsWith("io.interchange.deadletter.")) {
                return "dead-letter guard";
            }
            if (type.startsWith("org.apache.camel.")) {
                return "Camel engine (pipeline, error handler, unit of work)";
            }
            if (type.startsWith("ch.qos.logback.") || type.startsWith("org.slf4j.") || type.startsWith("io.micrometer.")) {
                return "logging and metrics";
            }
            if (type.startsWith("io.interchange.")) {
                return "other gateway code";
            }
            if (method.isEmpty()) {
                break;
            }
        }
        return "JVM and JDK only";
    }

    /** A CloudEvents frame belongs to the read or the write step, whichever of them is further up the stack. */
    private static String cloudEventsStep(List<RecordedFrame> frames, int from) {
        for (int i = from; i < frames.size(); i++) {
            String type = frames.get(i).getMethod().getType().getName();
            String method = frames.get(i).getMethod().getName();
            if (type.equals("io.interchange.cloudevents.CloudEventsProducer")) {
                if (method.equals("read") || method.equals("wrap")) {
                    return "CloudEvents read";
                }
                if (method.equals("write")) {
                    return "CloudEvents write";
                }
            }
        }
        return "CloudEvents write";
    }
}
