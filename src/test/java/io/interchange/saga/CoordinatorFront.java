package io.interchange.saga;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The real LRA coordinator behind a loopback port that passes every request through unchanged (the Host header too,
 * so the LRA ids the coordinator makes name this port), except the status requests of the LRAs a test chose, which it
 * answers itself: {@link #reportStatus} makes the coordinator seem to be cancelling an LRA it in fact closed, as
 * Narayana does when it gives up on a slow completion callback and cancels the LRA at its time limit. Requests are
 * read one by one (HTTP/1.1 with Content-Length bodies, as the gateway's clients send them), so a status request on a
 * kept-alive connection is seen too.
 */
final class CoordinatorFront implements AutoCloseable {

    private final ServerSocket server;
    private final int coordinatorPort;
    private final Map<String, String> statuses = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "coordinator-front");
        thread.setDaemon(true);
        return thread;
    });

    CoordinatorFront(int coordinatorPort) throws IOException {
        this.coordinatorPort = coordinatorPort;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        threads.submit(this::accept);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, {@code GET .../<uid>/status} is answered with {@code status}. */
    void reportStatus(String uid, String status) {
        statuses.put(uid, status);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; Socket coordinator = new Socket()) {
            coordinator.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), coordinatorPort), 5000);
            OutputStream toClient = client.getOutputStream();
            threads.submit(() -> pump(coordinator, toClient));
            InputStream fromClient = client.getInputStream();
            OutputStream toCoordinator = coordinator.getOutputStream();
            while (true) {
                byte[] head = readHead(fromClient);
                if (head == null) {
                    return;
                }
                String text = new String(head, StandardCharsets.ISO_8859_1);
                String[] requestLine = text.substring(0, text.indexOf("\r\n")).split(" ");
                String overridden = requestLine[0].equals("GET") ? override(requestLine[1]) : null;
                if (overridden != null) {
                    // The client waits for the answer to its previous request before it sends this one: nothing of
                    // the coordinator's is on its way to it now.
                    synchronized (toClient) {
                        toClient.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                                + overridden.length() + "\r\n\r\n" + overridden).getBytes(StandardCharsets.ISO_8859_1));
                        toClient.flush();
                    }
                    continue;
                }
                toCoordinator.write(head);
                long length = contentLength(text);
                for (long left = length; left > 0; ) {
                    byte[] buffer = new byte[(int) Math.min(8192, left)];
                    int n = fromClient.read(buffer);
                    if (n == -1) {
                        return;
                    }
                    toCoordinator.write(buffer, 0, n);
                    left -= n;
                }
                toCoordinator.flush();
            }
        } catch (IOException e) {
            // a side closed
        }
    }

    private String override(String path) {
        if (!path.endsWith("/status")) {
            return null;
        }
        String withoutStatus = path.substring(0, path.length() - "/status".length());
        return statuses.get(withoutStatus.substring(withoutStatus.lastIndexOf('/') + 1));
    }

    private static void pump(Socket coordinator, OutputStream toClient) {
        try (InputStream in = coordinator.getInputStream()) {
            byte[] buffer = new byte[16384];
            for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                synchronized (toClient) {
                    toClient.write(buffer, 0, n);
                    toClient.flush();
                }
            }
        } catch (IOException e) {
            // a side closed
        }
    }

    /** The request line and headers up to the blank line, or null at the end of the stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b = in.read(); b != -1; b = in.read()) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
            if (matched == 4) {
                return head.toByteArray();
            }
        }
        return null;
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring("content-length:".length()).trim());
            }
            if (line.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:")) {
                throw new IllegalStateException("chunked requests are not expected here: " + line);
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
