package io.interchange.security;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Which headers of a message from the wire enter a route: an allow-list, the same for every source.
 * A source admits the CloudEvents headers of its broker's binding, {@code traceparent} and
 * {@code tracestate}, and the names the route declares (the consumer option {@code ingressHeaders}, and
 * {@code interchange.ingress.headers} for every consumer); it drops every other name before the first
 * step. The names a source maps itself (the Kafka record key, the AMQP {@code interchange-key}, the SQS
 * message group) arrive as {@code kafka.KEY} and the like, set by the source. No {@link ControlHeaders
 * control header} is ever admitted, and a route that declares one fails at startup.
 *
 * <p>Binding prefixes are matched in any letter case on purpose: {@code CE_ID} or {@code cloudevents_id}
 * reach the CloudEvents decoder, which refuses the event, instead of being dropped while their
 * correctly spelled twin is believed. A name that comes twice (in any case) or a text value that is not
 * UTF-8 is a {@link Problem}, kept in the exchange property {@link #PROBLEMS_PROPERTY}; the first value
 * stays in the header, and {@code interchange-cloudevents:read} refuses an event whose binding headers
 * have a problem.
 */
public final class IngressHeaders {

    /** Exchange property: the {@link Problem}s found while admitting a message's headers. */
    public static final String PROBLEMS_PROPERTY = "InterchangeIngressProblems";

    /** Kafka: the CloudEvents Kafka binding ({@code ce_*}, {@code content-type}) and W3C trace context. */
    public static final String KAFKA = "ce_*,content-type,traceparent,tracestate";

    /** AMQP: the CloudEvents AMQP binding's application properties (the content type is an AMQP property). */
    public static final String AMQP = "cloudEvents:*,cloudEvents_*,traceparent,tracestate";

    /** SQS: the gateway's SQS mapping ({@code ce_*} and {@code content-type} message attributes). */
    public static final String SQS = KAFKA;

    /** A header that could not be admitted as it came. */
    public record Problem(String header, String text) {
    }

    private final HeaderAllowList allowList;

    private IngressHeaders(HeaderAllowList allowList) {
        this.allowList = allowList;
    }

    /**
     * @param binding  the source's binding list ({@link #KAFKA}, {@link #AMQP}, {@link #SQS})
     * @param declared names routes ask for, comma-separated, {@code *} at the end for a prefix
     * @throws IllegalArgumentException when a declared name is a control header
     */
    public static IngressHeaders of(String binding, String... declared) {
        StringBuilder spec = new StringBuilder(binding);
        for (String list : declared) {
            if (list == null || list.isBlank()) {
                continue;
            }
            for (String name : list.split(",")) {
                String trimmed = name.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                String probe = trimmed.endsWith("*") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
                if (probe.isEmpty() || ControlHeaders.isControl(probe)) {
                    throw new IllegalArgumentException("'" + trimmed + "' cannot be admitted from the wire: it names"
                            + " headers that steer a component (docs/guarantees.md, Headers)");
                }
                spec.append(',').append(trimmed);
            }
        }
        return new IngressHeaders(HeaderAllowList.parse(spec.toString()));
    }

    public boolean admits(String name) {
        return name != null && allowList.allows(name) && !ControlHeaders.isControl(name);
    }

    /** Starts admitting the wire headers of one message into {@code message}. */
    public Admission admit(Message message) {
        return new Admission(message);
    }

    /** The problems recorded for an exchange, empty when there were none. */
    @SuppressWarnings("unchecked")
    public static List<Problem> problems(Exchange exchange) {
        Object problems = exchange.getProperty(PROBLEMS_PROPERTY);
        return problems instanceof List<?> list ? (List<Problem>) list : List.of();
    }

    /** One message's headers being admitted; not thread-safe, used by one source thread. */
    public final class Admission {

        private final Map<String, Object> headers;
        private final List<String> admitted = new ArrayList<>(8);
        private List<Problem> problems;
        private CharsetDecoder decoder;

        private Admission(Message message) {
            this.headers = message.getHeaders();
        }

        /** A header whose value is already typed (AMQP values, SQS String attributes). */
        public void put(String name, Object value) {
            if (admits(name) && first(name)) {
                headers.put(name, value == null ? "" : value);
            }
        }

        /** A header whose value is bytes meant as UTF-8 text (Kafka headers, AMQP long strings). */
        public void putText(String name, byte[] value) {
            if (!admits(name) || !first(name)) {
                return;
            }
            if (value == null) {
                headers.put(name, "");
                return;
            }
            String text = utf8(value);
            if (text == null) {
                problem(name, "header '" + printable(name) + "' is not valid UTF-8");
                headers.put(name, value);
            } else {
                headers.put(name, text);
            }
        }

        /** Records the problems on the exchange; call once, after the last header. */
        public void finish(Exchange exchange) {
            if (problems != null) {
                exchange.setProperty(PROBLEMS_PROPERTY, List.copyOf(problems));
            }
        }

        private boolean first(String name) {
            // Camel's header map ignores letter case: a second ce_id, or a ce_ID, would replace the first.
            // The few admitted names are compared here, whatever map the message uses.
            for (String earlier : admitted) {
                if (earlier.equalsIgnoreCase(name)) {
                    problem(name, earlier.equals(name) ? "header '" + printable(name) + "' appears more than once"
                            : "headers '" + printable(earlier) + "' and '" + printable(name) + "' differ only in letter case");
                    return false;
                }
            }
            admitted.add(name);
            return true;
        }

        private void problem(String name, String text) {
            if (problems == null) {
                problems = new ArrayList<>(2);
            }
            problems.add(new Problem(name, text));
        }

        private String utf8(byte[] bytes) {
            if (decoder == null) {
                decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
            }
            if (isAscii(bytes)) {
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
            try {
                return decoder.reset().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Names go into reasons and logs: printable and short. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder(Math.min(name.length(), 64));
        for (int i = 0; i < name.length() && out.length() < 64; i++) {
            char c = name.charAt(i);
            out.append(c < 0x20 || c >= 0x7f && c <= 0x9f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : c);
        }
        return name.length() > 64 ? out + "..." : out.toString();
    }

}
