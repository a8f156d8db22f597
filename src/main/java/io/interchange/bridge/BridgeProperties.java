package io.interchange.bridge;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.interchange.security.HeaderAllowList;

/**
 * @param allowedHeaders the headers a bridge carries from source to sink (see {@link HeaderAllowList});
 *                       {@code Camel*} headers never pass, whatever this says
 * @param stuckAfter     a source with messages waiting and none completed for this long is not ready
 * @param hungAfter      a source whose thread has not come back from a call for this long is not live
 */
@ConfigurationProperties("interchange.bridge")
public record BridgeProperties(@DefaultValue(HeaderAllowList.DEFAULT) String allowedHeaders,
        @DefaultValue("2m") Duration stuckAfter, @DefaultValue("5m") Duration hungAfter) {

    public HeaderAllowList allowList() {
        return HeaderAllowList.parse(allowedHeaders);
    }

    public SourceSupervision supervision() {
        return new SourceSupervision(stuckAfter, hungAfter, SourceSupervision.DEFAULT.restartBackoff(),
                SourceSupervision.DEFAULT.maxRestartBackoff());
    }
}
