package io.interchange.brokers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Reads listening TCP sockets from {@code ss} to prove a broker is reachable on loopback only. */
final class LoopbackSockets {

    private LoopbackSockets() {
    }

    /**
     * Every listening socket of the given processes must be on loopback (127.0.0.1, or [::1]: epmd always adds
     * the IPv6 loopback), and each given port must be listening on 127.0.0.1 and nowhere else.
     */
    static void assertOnlyLoopback(Collection<Long> pids, Collection<Integer> ports) {
        List<String[]> sockets = listening();
        for (long pid : pids) {
            assertThat(sockets).filteredOn(socket -> socket[1].contains("pid=" + pid + ","))
                    .as("listening sockets of pid %d", pid)
                    .isNotEmpty()
                    .allSatisfy(socket -> assertThat(isLoopback(socket[0])).as(String.join(" ", socket)).isTrue());
        }
        for (int port : ports) {
            assertThat(sockets).filteredOn(socket -> socket[0].endsWith(":" + port))
                    .as("listening sockets on port %d", port)
                    .isNotEmpty()
                    .allSatisfy(socket -> assertThat(isIpv4Loopback(socket[0])).as(String.join(" ", socket))
                            .isTrue());
        }
    }

    private static boolean isLoopback(String localAddress) {
        return isIpv4Loopback(localAddress) || localAddress.startsWith("[::1]:");
    }

    /** Java binds 127.0.0.1 on a dual-stack socket, which ss shows as the IPv4-mapped [::ffff:127.0.0.1]. */
    private static boolean isIpv4Loopback(String localAddress) {
        return localAddress.startsWith("127.0.0.1:") || localAddress.startsWith("[::ffff:127.0.0.1]:");
    }

    /** Pairs of (local address:port, process column) for each listening TCP socket. */
    private static List<String[]> listening() {
        try {
            Process ss = new ProcessBuilder("ss", "-ltnpH").redirectErrorStream(true).start();
            String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ss.waitFor()).as("ss -ltnpH: " + output).isZero();
            return output.lines().map(line -> line.trim().split("\\s+"))
                    .map(columns -> new String[] {columns[3], String.join(" ", Arrays.copyOfRange(columns, 5,
                            columns.length))})
                    .toList();
        } catch (IOException e) {
            throw new AssertionError("cannot run ss -ltnpH", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
