package io.interchange.bridge.sqs;

import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;

import org.springframework.util.StringUtils;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClientBuilder;

/**
 * Builds the one {@link SqsAsyncClient} of the gateway (Netty, from camel-aws-common's
 * {@code netty-nio-client}). Static keys are used only when both are given; otherwise the default
 * provider chain. The keys are never logged.
 */
public final class SqsClientFactory implements Supplier<SqsAsyncClient> {

    private final SqsSettings settings;
    private final String accessKey;
    private final String secretKey;

    public SqsClientFactory(SqsSettings settings, String accessKey, String secretKey) {
        this.settings = settings;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    @Override
    public SqsAsyncClient get() {
        if (!StringUtils.hasText(settings.region())) {
            throw new IllegalStateException("interchange-sqs needs a region: set INTERCHANGE_SQS_REGION (interchange.sqs.region)");
        }
        SqsAsyncClientBuilder builder = SqsAsyncClient.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials())
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(settings.maxConnections())
                        // Long polls wait 20 s for messages; the read timeout must be longer.
                        .readTimeout(Duration.ofSeconds(40))
                        .connectionAcquisitionTimeout(Duration.ofSeconds(30)));
        if (StringUtils.hasText(settings.endpoint())) {
            builder.endpointOverride(URI.create(settings.endpoint()));
        }
        return builder.build();
    }

    private AwsCredentialsProvider credentials() {
        if (StringUtils.hasText(accessKey) && StringUtils.hasText(secretKey)) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    @Override
    public String toString() {
        return "SqsClientFactory[region=" + settings.region() + ", endpoint=" + settings.endpoint()
                + ", credentials=" + (StringUtils.hasText(accessKey) ? "static" : "default chain") + "]";
    }
}
