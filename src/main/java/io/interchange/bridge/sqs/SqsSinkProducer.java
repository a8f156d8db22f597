package io.interchange.bridge.sqs;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultAsyncProducer;

import io.interchange.security.HeaderAllowList;
import io.interchange.bridge.BridgeHeaders;
import io.interchange.bridge.MessageTooLargeException;
import io.interchange.bridge.UnencodableMessageException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * Sends each exchange with SendMessage and completes it when SQS answered, many at once. On a
 * FIFO queue the messages of one group are sent one after the other in the order the route handed
 * them over (concurrent requests could overtake each other), and when one fails those queued
 * behind it in its group fail too, so a source that redelivers from the failed message keeps the
 * group in order. Groups run in parallel.
 *
 * <p>FIFO settings per message: the group is the header {@code InterchangeMessageGroupId}, else
 * {@code kafka.KEY}, else the endpoint's {@code messageGroupId}. The deduplication id is the header
 * {@code InterchangeMessageDeduplicationId}, else the CloudEvent's source and id ({@code ce_*} or
 * {@code ce-*}), else the Kafka record's topic, partition and offset, else none (the queue must then
 * have content-based deduplication). An id that is not 1-128 printable ASCII characters is sent as
 * its SHA-256.
 */
public class SqsSinkProducer extends DefaultAsyncProducer {

    private static final Pattern SQS_ID = Pattern.compile("[\\x21-\\x7E]{1,128}");

    private final SqsEndpoint endpoint;
    private final HeaderAllowList allowList;
    private final Map<String, CompletableFuture<Void>> groupTails = new ConcurrentHashMap<>();

    public SqsSinkProducer(SqsEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
        this.allowList = HeaderAllowList.parse(endpoint.getAllowedHeaders());
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        SendMessageRequest.Builder request;
        String group;
        try {
            request = request(exchange.getMessage());
            group = endpoint.isFifo() ? groupId(exchange.getMessage()) : null;
            if (group != null) {
                request.messageGroupId(group).messageDeduplicationId(deduplicationId(exchange, request));
            }
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        if (group == null) {
            send(request, exchange, callback);
            return false;
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> previous = groupTails.put(group, mine);
        AsyncCallback whenSent = doneSync -> {
            // The exchange completes first, so its source knows of a failure before the group moves on.
            callback.done(false);
            if (exchange.getException() != null) {
                mine.completeExceptionally(exchange.getException());
            } else {
                mine.complete(null);
            }
            groupTails.remove(group, mine);
        };
        if (previous == null) {
            send(request, exchange, whenSent);
        } else {
            previous.whenComplete((ok, earlier) -> {
                if (earlier == null) {
                    send(request, exchange, whenSent);
                } else {
                    // Not the earlier failure as the cause: its kind (e.g. permanent) is not this message's.
                    exchange.setException(new SqsSendException("Not sent to '" + endpoint.getQueueName()
                            + "': an earlier message of group '" + group + "' failed (" + earlier.getMessage() + ")",
                            null));
                    whenSent.done(false);
                }
            });
        }
        return false;
    }

    private void send(SendMessageRequest.Builder request, Exchange exchange, AsyncCallback callback) {
        endpoint.queueUrl()
                .thenCompose(url -> endpoint.client().sendMessage(request.queueUrl(url).build()))
                .whenComplete((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        String reason = "SQS did not take the message for '" + endpoint.getQueueName() + "': "
                                + cause.getMessage();
                        exchange.setException(isRefusal(cause) ? new SqsRejectedException(reason, cause)
                                : new SqsSendException(reason, cause));
                    } else {
                        exchange.getMessage().setHeader(SqsHeaders.MESSAGE_ID, response.messageId());
                    }
                    callback.done(false);
                });
    }

    private SendMessageRequest.Builder request(Message message) {
        byte[] bytes = message.getBody(byte[].class);
        String body = text(bytes);
        Map<String, MessageAttributeValue> attributes = SqsMessageAttributes.from(message.getHeaders(), allowList);
        int size = bytes.length + SqsMessageAttributes.size(attributes);
        if (size > endpoint.getMaxMessageBytes()) {
            throw new MessageTooLargeException("SQS queue '" + endpoint.getQueueName() + "'", size,
                    endpoint.getMaxMessageBytes());
        }
        return SendMessageRequest.builder().messageBody(body).messageAttributes(attributes);
    }

    /** SQS bodies are non-empty XML text: valid UTF-8 without control characters but tab, line feed, return. */
    private String text(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new UnencodableMessageException("SQS takes no empty message body (queue '" + endpoint.getQueueName()
                    + "'); write CloudEvents without data in structured mode");
        }
        String body;
        try {
            body = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UnencodableMessageException("SQS message bodies are text: the body for '" + endpoint.getQueueName()
                    + "' is not UTF-8 (write CloudEvents with binary data through interchange-cloudevents:write"
                    + "?binding=sqs, which carries them as data_base64, or encode the payload first)");
        }
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF) {
                throw new UnencodableMessageException("SQS message bodies are XML text: the body for '"
                        + endpoint.getQueueName() + "' contains U+" + String.format("%04X", (int) c) + " at index " + i);
            }
        }
        return body;
    }

    /**
     * Client errors (HTTP 400) that are about the queue or the caller, not about the message: sent again once
     * the queue exists, or after a pause, the same message may go through.
     */
    private static final Set<String> RETRIABLE_CLIENT_ERRORS = Set.of("QueueDoesNotExist", "NonExistentQueue",
            "AWS.SimpleQueueService.NonExistentQueue", "QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently",
            "RequestThrottled", "ThrottlingException", "Throttling", "KmsThrottled", "KmsThrottledException",
            "KmsDisabled", "KmsInvalidState", "KmsNotFound", "KmsAccessDenied", "RequestExpired",
            "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch", "AccessDenied");

    /**
     * Whether SQS judged the message itself, so that the same request fails again: any 400 but those about the
     * queue, throttling, keys or credentials (an emulator, ElasticMQ, answers malformed content with codes AWS
     * does not have). 403, 5xx and transport failures are outages.
     */
    static boolean isRefusal(Throwable cause) {
        if (cause instanceof AwsServiceException aws && aws.statusCode() == 400) {
            String code = aws.awsErrorDetails() == null ? null : aws.awsErrorDetails().errorCode();
            return code == null || !RETRIABLE_CLIENT_ERRORS.contains(code);
        }
        return false;
    }

    private String groupId(Message message) {
        Object group = message.getHeader(SqsHeaders.MESSAGE_GROUP_ID);
        if (group == null) {
            group = message.getHeader(KafkaConstants.KEY);
        }
        if (group == null) {
            group = endpoint.getMessageGroupId();
        }
        if (group == null || text(group).isEmpty()) {
            throw new IllegalArgumentException("FIFO queue '" + endpoint.getQueueName() + "' needs a message group:"
                    + " set the header " + SqsHeaders.MESSAGE_GROUP_ID + " or kafka.KEY, or the endpoint option messageGroupId");
        }
        return sqsId(text(group));
    }

    /**
     * Every message to a FIFO queue gets one, so the queue needs no content-based deduplication: the route's
     * header, else the CloudEvent's source and id (the event a write or read step established, else its
     * ce_ headers), else the Kafka record's coordinates, else a digest of body and attributes.
     */
    private static String deduplicationId(Exchange exchange, SendMessageRequest.Builder request) {
        Message message = exchange.getMessage();
        String explicit = message.getHeader(SqsHeaders.MESSAGE_DEDUPLICATION_ID, String.class);
        if (explicit != null && !explicit.isEmpty()) {
            return sqsId(explicit);
        }
        String event = exchange.getProperty(BridgeHeaders.EVENT_IDENTITY, String.class);
        if (event != null) {
            return sha256(event);
        }
        for (String prefix : new String[] {"ce_", "ce-"}) {
            Object id = message.getHeader(prefix + "id");
            if (id != null) {
                Object source = message.getHeader(prefix + "source");
                // A CloudEvent is unique by source and id together.
                return sha256((source == null ? "" : text(source)) + "\n" + text(id));
            }
        }
        Object topic = message.getHeader(KafkaConstants.TOPIC);
        Object partition = message.getHeader(KafkaConstants.PARTITION);
        Object offset = message.getHeader(KafkaConstants.OFFSET);
        if (topic != null && partition != null && offset != null) {
            return sqsId("kafka:" + topic + ":" + partition + ":" + offset);
        }
        SendMessageRequest built = request.build();
        StringBuilder content = new StringBuilder(built.messageBody());
        new TreeMap<>(built.messageAttributes()).forEach((name, value) -> content.append('\n').append(name).append('=')
                .append(value.stringValue() != null ? value.stringValue()
                        : value.binaryValue() == null ? "" : HexFormat.of().formatHex(value.binaryValue().asByteArray())));
        return sha256(content.toString());
    }

    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }

    private static String sqsId(String id) {
        return SQS_ID.matcher(id).matches() ? id : sha256(id);
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
