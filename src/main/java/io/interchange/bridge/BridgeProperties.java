package io.interchange.bridge;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.interchange.security.HeaderAllowList;

/**
 * @param allowedHeaders the headers a bridge carries from source to sink (see {@link HeaderAllowList});
 *                       {@code Camel*} headers never pass, whatever this says
 */
@ConfigurationProperties("interchange.bridge")
public record BridgeProperties(@DefaultValue(HeaderAllowList.DEFAULT) String allowedHeaders) {

    public HeaderAllowList allowList() {
        return HeaderAllowList.parse(allowedHeaders);
    }
}
