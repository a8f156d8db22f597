package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.spi.HeaderFilterStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CamelHeaderFilterTest {

    private final HeaderFilterStrategy keepEverything = new HeaderFilterStrategy() {
        @Override
        public boolean applyFilterToCamelHeaders(String name, Object value, org.apache.camel.Exchange exchange) {
            return false;
        }

        @Override
        public boolean applyFilterToExternalHeaders(String name, Object value, org.apache.camel.Exchange exchange) {
            return false;
        }
    };

    private final CamelHeaderFilter filter = new CamelHeaderFilter(keepEverything);

    @ParameterizedTest
    @ValueSource(strings = {"CamelExecCommandExecutable", "cAmElFileName", "camelHttpUri", "CAMELSQLQUERY",
            " CamelBeanMethodName", "org.apache.camel.Foo", "ORG.APACHE.CAMEL.bar"})
    void dropsCamelHeadersInAnyCaseInBothDirections(String name) {
        assertThat(filter.applyFilterToExternalHeaders(name, "x", null)).as("inbound " + name).isTrue();
        assertThat(filter.applyFilterToCamelHeaders(name, "x", null)).as("outbound " + name).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce_id", "cloudEvents:type", "content-type", "traceparent", "came", "x-camel"})
    void leavesOtherHeadersToTheComponentsOwnStrategy(String name) {
        assertThat(filter.applyFilterToExternalHeaders(name, "x", null)).isFalse();
        assertThat(filter.applyFilterToCamelHeaders(name, "x", null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce_id", "secret-header"})
    void stillAppliesTheComponentsOwnStrategy(String name) {
        CamelHeaderFilter strict = new CamelHeaderFilter(new HeaderFilterStrategy() {
            @Override
            public boolean applyFilterToCamelHeaders(String n, Object v, org.apache.camel.Exchange e) {
                return true;
            }

            @Override
            public boolean applyFilterToExternalHeaders(String n, Object v, org.apache.camel.Exchange e) {
                return true;
            }
        });
        assertThat(strict.applyFilterToExternalHeaders(name, "x", null)).isTrue();
    }
}
