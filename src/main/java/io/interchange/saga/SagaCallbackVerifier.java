package io.interchange.saga;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Lets a compensation or completion callback run only if the LRA coordinator says so. The callbacks
 * ({@code PUT /lra-participant/compensate|complete}) share the traffic port with {@code POST /orders} and carry
 * no credentials: camel-lra only checks that the route they name is one a saga registered. So anyone who can
 * reach the port could compensate a live saga by naming its LRA id, or make the gateway ask participants to
 * undo sagas it never heard of. Before a callback runs, the LRA id must be one of the configured coordinator
 * ({@code camel.lra.coordinator-url} and context path: its scheme, host, port and path, then one id segment)
 * and the coordinator, asked at its configured address (never at one taken from the request), must report the
 * LRA as ending the matching way: {@code Cancelling} (or {@code FailedToCancel}) for a compensation,
 * {@code Closing} (or {@code FailedToClose}) for a completion. The coordinator sets that status before it
 * calls the first participant and reads it without a lock, so the check cannot stall its own callback.
 *
 * <p>A refused callback is answered 403 without touching the ledger, the participants or the brokers, and
 * counted ({@code interchange_saga_callbacks_rejected_total{reason}}); a coordinator that cannot be asked gets
 * 503, which the real coordinator retries later (any answer but 200 keeps the participant pending). With
 * Camel's in-memory saga service (tests) there are no HTTP callbacks and nothing is checked.
 */
@Component
@ConditionalOnProperty(name = "interchange.saga.enabled", havingValue = "true")
public class SagaCallbackVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(SagaCallbackVerifier.class);

    /** Narayana LRA ids end in a Uid in file form: hex digits, '_' and '-'. */
    private static final Pattern LRA_UID = Pattern.compile("[0-9A-Za-z_-]{1,128}");
    /** Well below the coordinator's own 2 s wait for a callback, which includes this check. */
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WARN_EVERY = Duration.ofSeconds(10);
    private static final Set<String> COMPENSATABLE = Set.of("Cancelling", "FailedToCancel");
    private static final Set<String> COMPLETABLE = Set.of("Closing", "FailedToClose");

    /** What to do with a callback: run it, or answer {@code status} with {@code reason} and do nothing. */
    public record Verdict(boolean allowed, int status, String reason, boolean refuseOnly) {
        static final Verdict ALLOWED = new Verdict(true, 200, null, false);
        /**
         * A compensation of an LRA the coordinator is closing: Narayana 1.1 sends one when the time limit passes while
         * a completion it gave up on keeps the LRA Closing. It may only be refused (every step's completion ran), never
         * run: a forged one must not undo a step of a saga that is being completed.
         */
        static final Verdict REFUSE_ONLY = new Verdict(true, 200, null, true);

        Verdict(boolean allowed, int status, String reason) {
            this(allowed, status, reason, false);
        }
    }

    private final boolean enabled;
    private final URI coordinator;
    private final String lraPathPrefix;
    private final HttpClient http;
    private final MeterRegistry meters;
    private final Timer checks;
    private final AtomicLong refusedSinceWarning = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong();

    public SagaCallbackVerifier(Environment environment, MeterRegistry meters) {
        this.meters = meters;
        this.enabled = !"in-memory".equals(environment.getProperty("interchange.saga.service", "lra"));
        String url = environment.getProperty("camel.lra.coordinator-url", "");
        String contextPath = environment.getProperty("camel.lra.coordinator-context-path", "/lra-coordinator");
        // The way camel-lra joins them (LRAUrlBuilder): no doubled or missing slash.
        this.coordinator = enabled ? URI.create(url.replaceAll("/+$", "")) : null;
        this.lraPathPrefix = (enabled ? coordinator.getRawPath() : "") + "/" + contextPath.replaceAll("^/+|/+$", "") + "/";
        if (enabled && (coordinator.getScheme() == null || coordinator.getHost() == null)) {
            throw new IllegalStateException("camel.lra.coordinator-url (INTERCHANGE_LRA_COORDINATOR_URL) must be an"
                    + " absolute http(s) URL such as http://lra-coordinator:8080, was '" + url + "'");
        }
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CHECK_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.checks = Timer.builder("interchange.saga.callbacks.verification")
                .description("Time to ask the LRA coordinator for an LRA's status before running a callback")
                .register(meters);
    }

    /** False with Camel's in-memory saga service: no coordinator, no HTTP callbacks. */
    public boolean enabled() {
        return enabled;
    }

    /** @param kind {@code compensation} or {@code completion} */
    public Verdict verify(String lraId, String kind) {
        if (!enabled) {
            return Verdict.ALLOWED;
        }
        String uid = uidOfOurCoordinator(lraId);
        if (uid == null) {
            return refuse("foreign-lra", kind, lraId, "not an LRA of this gateway's coordinator");
        }
        URI status = URI.create(coordinator.getScheme() + "://" + coordinator.getRawAuthority() + lraPathPrefix + uid
                + "/status");
        long began = System.nanoTime();
        HttpResponse<String> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(status).timeout(CHECK_TIMEOUT).header("Accept", "text/plain")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            LOG.warn("Could not ask the LRA coordinator for the status of {} before its {}: {}", printable(lraId), kind,
                    e.toString());
            return new Verdict(false, 503, "the LRA coordinator could not be asked; call again later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Verdict(false, 503, "interrupted; call again later");
        } finally {
            checks.record(Duration.ofNanos(System.nanoTime() - began));
        }
        if (answer.statusCode() == 404) {
            return refuse("unknown-lra", kind, lraId, "the coordinator does not know this LRA");
        }
        if (answer.statusCode() != 200) {
            LOG.warn("The LRA coordinator answered {} for the status of {} before its {}", answer.statusCode(),
                    printable(lraId), kind);
            return new Verdict(false, 503, "the LRA coordinator did not answer; call again later");
        }
        String lraStatus = answer.body().strip();
        Set<String> expected = "compensation".equals(kind) ? COMPENSATABLE : COMPLETABLE;
        if ("compensation".equals(kind) && COMPLETABLE.contains(lraStatus)) {
            return Verdict.REFUSE_ONLY;
        }
        if (!expected.contains(lraStatus)) {
            return refuse("lra-status", kind, lraId, "the LRA is " + printable(lraStatus) + ", not "
                    + ("compensation".equals(kind) ? "being cancelled" : "being closed"));
        }
        return Verdict.ALLOWED;
    }

    /** The Uid at the end of an LRA id of the configured coordinator, or null if it is anything else. */
    private String uidOfOurCoordinator(String lraId) {
        if (lraId == null || lraId.length() > 1024) {
            return null;
        }
        URI id;
        try {
            id = new URI(lraId);
        } catch (URISyntaxException e) {
            return null;
        }
        String path = id.getRawPath();
        if (id.getScheme() == null || id.getHost() == null || path == null || id.getRawQuery() != null
                || id.getRawFragment() != null || id.getRawUserInfo() != null
                || !id.getScheme().equalsIgnoreCase(coordinator.getScheme())
                || !id.getHost().equalsIgnoreCase(coordinator.getHost())
                || port(id) != port(coordinator) || !path.startsWith(lraPathPrefix)) {
            return null;
        }
        String uid = path.substring(lraPathPrefix.length());
        return LRA_UID.matcher(uid).matches() ? uid : null;
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private Verdict refuse(String reason, String kind, String lraId, String why) {
        Counter.builder("interchange.saga.callbacks.rejected")
                .description("Coordinator callbacks refused because the LRA coordinator did not confirm them: forged,"
                        + " or for an LRA that is not ending that way")
                .tag("reason", reason).register(meters).increment();
        // Whoever reaches the traffic port can send these as fast as they like: warn at most every 10 s.
        long suppressed = refusedSinceWarning.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if ((last == 0 || now - last >= WARN_EVERY.toNanos()) && lastWarning.compareAndSet(last, now)) {
            refusedSinceWarning.set(0);
            LOG.warn("Refused a {} callback for LRA {}: {} ({} refused since the last of these warnings, at most one"
                    + " every {} s; see interchange_saga_callbacks_rejected_total)", kind, printable(lraId), why,
                    suppressed, WARN_EVERY.toSeconds());
        } else {
            LOG.debug("Refused a {} callback for LRA {}: {}", kind, printable(lraId), why);
        }
        return new Verdict(false, 403, "Refused: " + why);
    }

    /** At most 200 characters, control characters replaced: the value comes from an unauthenticated request. */
    static String printable(String value) {
        if (value == null) {
            return "(none)";
        }
        String cut = value.length() > 200 ? value.substring(0, 200) + "..." : value;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
