package io.interchange.brokers;

import org.junit.jupiter.api.Test;

class KafkaSmokeIT {
    @Test
    void starts() {
        KafkaBroker kafka = new KafkaBroker();
        long t = System.nanoTime();
        kafka.start();
        System.out.println("KAFKA started in " + (System.nanoTime() - t) / 1_000_000 + " ms at " + kafka.bootstrapServers());
        kafka.createTopic("t1", 3);
        t = System.nanoTime();
        kafka.stop();
        System.out.println("KAFKA stopped in " + (System.nanoTime() - t) / 1_000_000 + " ms");
        t = System.nanoTime();
        kafka.start();
        System.out.println("KAFKA restarted in " + (System.nanoTime() - t) / 1_000_000 + " ms");
        kafka.stop();
    }
}
