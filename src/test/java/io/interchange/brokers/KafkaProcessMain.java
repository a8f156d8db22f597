package io.interchange.brokers;

import java.io.PrintStream;

/**
 * Main class of the Kafka child JVM started by {@link KafkaBroker}. It formats the log directory when asked (with
 * {@code StorageTool.execute}, which returns instead of calling System.exit), then runs {@code kafka.Kafka}.
 * It also exits when the JVM that started it is gone, so a crashed test JVM does not leave a broker running.
 *
 * <p>Arguments: {@code <parent pid> <server.properties> [<cluster id to format with>]}.
 */
public final class KafkaProcessMain {

    private KafkaProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        long parentPid = Long.parseLong(args[0]);
        String config = args[1];
        ProcessHandle.of(parentPid).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> exitBecauseParentIsGone(parentPid)),
                () -> exitBecauseParentIsGone(parentPid));
        if (args.length > 2) {
            PrintStream out = System.out;
            int exit = kafka.tools.StorageTool.execute(new String[] {"format", "-t", args[2], "-c", config}, out);
            if (exit != 0) {
                System.err.println("StorageTool format failed with exit code " + exit);
                System.exit(exit);
            }
        }
        kafka.Kafka.main(new String[] {config});
    }

    private static void exitBecauseParentIsGone(long parentPid) {
        System.err.println("Parent JVM " + parentPid + " is gone; stopping Kafka");
        System.exit(1);
    }
}
