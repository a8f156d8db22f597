package io.interchange;

import java.util.Arrays;

/**
 * Main class of the gateway JVM started by {@link GatewayProcess}: the gateway itself, plus a watch on the JVM
 * that started it. When that one is gone (a test JVM killed with SIGKILL, whose shutdown hooks never ran) the
 * gateway stops as on SIGTERM, so no test leaves a gateway behind.
 *
 * <p>Arguments: {@code <parent pid>}, then the gateway's own arguments.
 */
public final class GatewayProcessMain {

    private GatewayProcessMain() {
    }

    public static void main(String[] args) {
        long parentPid = Long.parseLong(args[0]);
        ProcessHandle.of(parentPid).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> exitBecauseParentIsGone(parentPid)),
                () -> exitBecauseParentIsGone(parentPid));
        InterchangeApplication.main(Arrays.copyOfRange(args, 1, args.length));
    }

    private static void exitBecauseParentIsGone(long parentPid) {
        System.err.println("Parent JVM " + parentPid + " is gone; stopping the gateway");
        // System.exit runs Spring's shutdown hook: the same drain as SIGTERM.
        System.exit(1);
    }
}
