package io.interchange.cloudevents;

import java.util.Locale;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * Route steps that make a CloudEvent of a payload (wrap), recognise an incoming event in a broker's binding
 * (read) and write one in a binding and mode (write).
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "interchange-cloudevents", title = "Interchange CloudEvents steps",
        syntax = "interchange-cloudevents:operation", producerOnly = true, category = {Category.TRANSFORMATION})
public class CloudEventsEndpoint extends DefaultEndpoint {

    public enum Operation {
        WRAP, READ, WRITE;

        static Operation named(String name) {
            try {
                return valueOf(name.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("interchange-cloudevents:" + name + " is not an operation;"
                        + " use wrap, read or write", e);
            }
        }
    }

    @UriPath(enums = "wrap,read,write", description = "wrap a payload into an event, read an incoming event,"
            + " or write the event in a binding")
    private final Operation operation;

    @UriParam(enums = "auto,kafka,amqp,sqs", defaultValue = "auto", description = "Protocol binding: read recognises"
            + " it from the headers when auto; write needs one")
    private String binding = "auto";

    @UriParam(enums = "binary,structured", defaultValue = "binary", description = "write: binary (attributes in"
            + " headers, data as body) or structured (the event in the JSON event format as body,"
            + " media type application/cloudevents plus json)")
    private String mode = "binary";

    @UriParam(defaultValue = "true", description = "write to Kafka: the partitionkey attribute, if set, becomes the"
            + " record key (header kafka.KEY)")
    private boolean keyFromPartitionKey = true;

    @UriParam(defaultValue = "10", description = "write to SQS: message attributes an event may use in binary mode;"
            + " an event needing more is written structured. Lower it when the route adds attributes of its own")
    private int maxMessageAttributes = SqsCloudEventBinding.SQS_MAX_MESSAGE_ATTRIBUTES;

    @UriParam(label = "wrap", description = "source attribute (URI-reference); literal, ${simple} or jsonpath:$.path")
    private String source;

    @UriParam(label = "wrap", description = "type attribute, reverse-DNS and past tense, e.g."
            + " com.example.orders.order.created; literal, ${simple} or jsonpath:$.path")
    private String type;

    @UriParam(label = "wrap", description = "subject attribute; literal, ${simple} or jsonpath:$.path")
    private String subject;

    @UriParam(label = "wrap", description = "dataschema attribute (absolute URI); literal, ${simple} or jsonpath:$.path")
    private String dataschema;

    @UriParam(label = "wrap", description = "datacontenttype; defaults to the message's Content-Type header")
    private String datacontenttype;

    @UriParam(label = "wrap", description = "partitionkey extension (Kafka key on write); literal, ${simple} or"
            + " jsonpath:$.path")
    private String partitionkey;

    @UriParam(label = "wrap", description = "Header holding the upstream message id to keep as the event id;"
            + " a new UUID when unset or absent")
    private String idHeader;

    @UriParam(label = "wrap", defaultValue = "correlationid", description = "Header holding a correlation id to"
            + " carry as the correlationid extension; a new UUID when absent")
    private String correlationIdHeader = "correlationid";

    public CloudEventsEndpoint(String uri, CloudEventsComponent component, Operation operation) {
        super(uri, component);
        this.operation = operation;
    }

    void check() {
        if (!binding.equalsIgnoreCase("auto")) {
            HeaderBinding.named(binding);
        }
        contentMode();
        if (operation == Operation.WRITE && binding.equalsIgnoreCase("auto")) {
            throw new IllegalArgumentException("interchange-cloudevents:write needs binding=kafka, amqp or sqs");
        }
        if (operation == Operation.WRAP && (isBlank(source) || isBlank(type))) {
            throw new IllegalArgumentException("interchange-cloudevents:wrap needs source and type");
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    @Override
    public Producer createProducer() {
        return new CloudEventsProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("interchange-cloudevents is a processing step, not a source");
    }

    @Override
    public CloudEventsComponent getComponent() {
        return (CloudEventsComponent) super.getComponent();
    }

    HeaderBinding headerBinding() {
        return binding.equalsIgnoreCase("auto") ? null : HeaderBinding.named(binding);
    }

    ContentMode contentMode() {
        try {
            return ContentMode.valueOf(mode.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mode must be binary or structured, was '" + mode + "'", e);
        }
    }

    public Operation getOperation() {
        return operation;
    }

    public String getBinding() {
        return binding;
    }

    public void setBinding(String binding) {
        this.binding = binding;
    }

    public String getMode() {
        return mode;
    }

    public void setMode(String mode) {
        this.mode = mode;
    }

    public boolean isKeyFromPartitionKey() {
        return keyFromPartitionKey;
    }

    public void setKeyFromPartitionKey(boolean keyFromPartitionKey) {
        this.keyFromPartitionKey = keyFromPartitionKey;
    }

    public int getMaxMessageAttributes() {
        return maxMessageAttributes;
    }

    public void setMaxMessageAttributes(int maxMessageAttributes) {
        this.maxMessageAttributes = maxMessageAttributes;
    }

    public String getSource() {
        return source;
    }

    public void setSource(String source) {
        this.source = source;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getSubject() {
        return subject;
    }

    public void setSubject(String subject) {
        this.subject = subject;
    }

    public String getDataschema() {
        return dataschema;
    }

    public void setDataschema(String dataschema) {
        this.dataschema = dataschema;
    }

    public String getDatacontenttype() {
        return datacontenttype;
    }

    public void setDatacontenttype(String datacontenttype) {
        this.datacontenttype = datacontenttype;
    }

    public String getPartitionkey() {
        return partitionkey;
    }

    public void setPartitionkey(String partitionkey) {
        this.partitionkey = partitionkey;
    }

    public String getIdHeader() {
        return idHeader;
    }

    public void setIdHeader(String idHeader) {
        this.idHeader = idHeader;
    }

    public String getCorrelationIdHeader() {
        return correlationIdHeader;
    }

    public void setCorrelationIdHeader(String correlationIdHeader) {
        this.correlationIdHeader = correlationIdHeader;
    }
}
