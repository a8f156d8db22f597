package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeaderAllowListTest {

    private final HeaderAllowList list = HeaderAllowList.parse(HeaderAllowList.DEFAULT);

    @Test
    void allowsListedNamesAndPrefixesInAnyCase() {
        for (int i = 0; i < 2; i++) {
            // The second round answers from the cache and must agree with the first.
            assertThat(list.allows("traceparent")).isTrue();
            assertThat(list.allows("Content-Type")).isTrue();
            assertThat(list.allows("CE_ID")).isTrue();
            assertThat(list.allows("kafka.KEY")).isFalse();
        }
    }

    @Test
    void neverAllowsCamelHeadersEvenWhenListed() {
        HeaderAllowList camel = HeaderAllowList.parse("camel*,CamelFileName");
        for (int i = 0; i < 2; i++) {
            assertThat(camel.allows("CamelFileName")).isFalse();
            assertThat(camel.allows("cAmElExecCommandExecutable")).isFalse();
            assertThat(camel.allows(null)).isFalse();
        }
    }

    @Test
    void judgesNamesBeyondTheCacheBoundTheSameWay() {
        for (int i = 0; i < 3000; i++) {
            assertThat(list.allows("ce_attr" + i)).isTrue();
            assertThat(list.allows("x-other" + i)).isFalse();
        }
    }
}
