package io.interchange.helm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link PromQlMetricNames} takes for a metric name, and what it does not. */
class PromQlMetricNamesTest {

    @Test
    void keepsTheMetricOfARateInsideAnAggregation() {
        assertThat(PromQlMetricNames.of("sum by (routeId, source) (rate(interchange_bridge_completed_total"
                + "{namespace=\"$namespace\", routeId=~\"$route\"}[$__rate_interval]))"))
                .containsExactly("interchange_bridge_completed_total");
    }

    @Test
    void keepsBothSidesOfSetOperatorsAndIgnoresOffsetsAndNumbers() {
        assertThat(PromQlMetricNames.of("sum by (namespace, routeId) ((a_total{x=\"1\"} unless a_total{x=\"1\"} offset 10m)"
                + " or increase(b_total[10m])) > 0")).containsExactly("a_total", "b_total");
        assertThat(PromQlMetricNames.of("(x > 300) and on (pod, routeId) group_left (source) (y == bool 1e3)"))
                .containsExactly("x", "y");
    }

    @Test
    void keepsSuffixesAsWritten() {
        assertThat(PromQlMetricNames.of("histogram_quantile(0.99, sum without (pod) (rate(h_seconds_bucket[5m])))"
                + " / sum(rate(h_seconds_count[5m])) + h_seconds_sum"))
                .containsExactly("h_seconds_bucket", "h_seconds_count", "h_seconds_sum");
    }

    @Test
    void ignoresWhatStringsSayAndKeywordsInAnyCase() {
        assertThat(PromQlMetricNames.of("label_replace(up_total, \"dst\", \"sum rate(fake_metric)\", \"src\", \"(.*)\")"))
                .containsExactly("up_total");
        assertThat(PromQlMetricNames.of("SUM BY (x) (RATE(z_total[1m])) AND ON() vector(1)")).containsExactly("z_total");
    }

    @Test
    void readsSubqueriesAndRecordingRuleNames() {
        assertThat(PromQlMetricNames.of("deriv((sum by (a) (m{s=\"k\"} >= 0) or max by (a) (n >= 0))[15m:1m]) > 0"))
                .containsExactly("m", "n");
        assertThat(PromQlMetricNames.of("job:requests:rate5m > 0.5")).containsExactly("job:requests:rate5m");
        assertThat(PromQlMetricNames.of("vector(1) > 0")).isEmpty();
    }

    @Test
    void readsOnlyTheSelectorOfGrafanasLabelValues() {
        assertThat(PromQlMetricNames.ofGrafanaVariable(
                "label_values(interchange_bridge_consumer_up{namespace=\"$namespace\", service=~\"$service\"}, routeId)"))
                .containsExactly("interchange_bridge_consumer_up");
        assertThat(PromQlMetricNames.ofGrafanaVariable("label_values(namespace)")).isEmpty();
        assertThat(PromQlMetricNames.ofGrafanaVariable("query_result(topk(5, x_total))")).containsExactly("x_total");
    }
}
