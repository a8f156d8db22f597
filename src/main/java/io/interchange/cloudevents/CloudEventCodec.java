package io.interchange.cloudevents;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.interchange.security.IngressHeaders;

/**
 * Reads an event from a message of any supported binding and mode, and writes one, validating on
 * both sides. Works on plain header maps so that every mapping is testable without Camel or brokers.
 */
public final class CloudEventCodec {

    private static final List<HeaderBinding> BINDINGS = List.of(HeaderBinding.KAFKA, HeaderBinding.AMQP);

    private final CloudEventValidator validator;
    private final StructuredJsonFormat json;

    public CloudEventCodec(CloudEventLimits limits) {
        this.validator = new CloudEventValidator(limits);
        this.json = new StructuredJsonFormat(limits);
    }

    public CloudEventValidator validator() {
        return validator;
    }

    public StructuredJsonFormat json() {
        return json;
    }

    /** An event as read, with the mode it came in. */
    public record Read(EventEnvelope event, ContentMode mode, boolean impliedJson) {
    }

    /** A message to send: the headers to set and the body. */
    public record Written(Map<String, Object> headers, byte[] body, ContentMode mode) {
    }

    /**
     * The valid event in a message; {@code binding} null to recognise it from the headers.
     *
     * @throws InvalidCloudEventException when the message is no CloudEvent or an invalid one
     */
    public Read read(Map<String, Object> headers, byte[] body, HeaderBinding binding) {
        return read(headers, body, binding, List.of());
    }

    /**
     * The valid event in a message whose headers were admitted from the wire with these problems: a binding
     * header that came twice (in any letter case) or whose bytes are not UTF-8 makes the event invalid, since
     * the gateway cannot know which value the producer meant.
     */
    public Read read(Map<String, Object> headers, byte[] body, HeaderBinding binding, List<IngressHeaders.Problem> problems) {
        if (!problems.isEmpty()) {
            List<String> violations = problems.stream().filter(p -> isBindingHeader(p.header()))
                    .map(IngressHeaders.Problem::text).toList();
            if (!violations.isEmpty()) {
                throw new InvalidCloudEventException(violations);
            }
        }
        String contentType = HeaderBinding.contentType(headers);
        if (MediaTypes.isStructured(contentType)) {
            if (!MediaTypes.isStructuredJson(contentType)) {
                throw new InvalidCloudEventException(List.of("event format '" + CloudEventValidator.shorten(contentType)
                        + "' is not supported; structured events must be application/cloudevents+json"));
            }
            StructuredJsonFormat.Parsed parsed = json.parse(body);
            return new Read(validator.requireValid(parsed.event()), ContentMode.STRUCTURED, parsed.impliedJson());
        }
        HeaderBinding chosen = binding != null ? binding : recognise(headers);
        if (chosen == null || !chosen.hasAttributeHeaders(headers)) {
            throw new InvalidCloudEventException(List.of("not a CloudEvent: no " + (chosen == null
                    ? "ce_* or cloudEvents:* headers" : chosen.headerName("*") + " headers")
                    + " and the content type " + (contentType == null ? "is not set" : "'"
                    + CloudEventValidator.shorten(contentType) + "' is not application/cloudevents+json")));
        }
        return new Read(validator.requireValid(chosen.readBinary(headers, body)), ContentMode.BINARY, false);
    }

    private static HeaderBinding recognise(Map<String, Object> headers) {
        List<HeaderBinding> present = new ArrayList<>();
        for (HeaderBinding b : BINDINGS) {
            if (b.hasAttributeHeaders(headers)) {
                present.add(b);
            }
        }
        if (present.size() > 1) {
            throw new InvalidCloudEventException(List.of("the message has attribute headers of several bindings ("
                    + present + "); it is ambiguous which ones are the event"));
        }
        return present.isEmpty() ? null : present.get(0);
    }

    /**
     * The message that carries the event in a binding and mode. Binary mode on SQS falls back to
     * structured when the event does not fit SQS message attributes.
     *
     * @param impliedJson the event came structured with JSON data and no datacontenttype: binary mode
     *                    then states {@code application/json}, as the JSON format asks
     */
    public Written write(EventEnvelope event, HeaderBinding binding, ContentMode mode, boolean impliedJson,
            int sqsMaxAttributes) {
        return write(event, binding, mode, impliedJson, sqsMaxAttributes, true);
    }

    /** {@code validate} false: the event is one this codec validated already and nobody changed since. */
    public Written write(EventEnvelope event, HeaderBinding binding, ContentMode mode, boolean impliedJson,
            int sqsMaxAttributes, boolean validate) {
        if (validate) {
            validator.requireValid(event);
        }
        if (mode == ContentMode.BINARY) {
            EventEnvelope binary = impliedJson && event.dataContentType() == null
                    ? event.withAttribute(CloudEventAttributes.DATACONTENTTYPE, "application/json") : event;
            if (binding == HeaderBinding.SQS) {
                Optional<Map<String, String>> attributes = SqsCloudEventBinding.binary(binary, sqsMaxAttributes);
                if (attributes.isPresent()) {
                    return new Written(new HashMap<>(attributes.get()), binary.data(), ContentMode.BINARY);
                }
            } else {
                return new Written(binding.writeBinary(binary), binary.data(), ContentMode.BINARY);
            }
        }
        Map<String, Object> headers = new HashMap<>();
        headers.put(binding.contentTypeHeader(), MediaTypes.STRUCTURED_JSON);
        byte[] document = json.write(event);
        return new Written(headers, binding == HeaderBinding.SQS ? SqsCloudEventBinding.escapeNoncharacters(document)
                : document, ContentMode.STRUCTURED);
    }

    /** A header that carries part of an event in some binding, or the content type. */
    public static boolean isBindingHeader(String header) {
        return HeaderBinding.KAFKA.ownsHeader(header) || HeaderBinding.AMQP.ownsHeader(header)
                || HeaderBinding.isContentTypeHeader(header);
    }
}
