package io.interchange.bridge.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrefetchWindowTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void largeMessagesShrinkThePrefetchAtOnceSoPrefetchTimesSizeStaysWithinTheBudget() {
        PrefetchWindow window = new PrefetchWindow(500, 32 * MIB);
        assertThat(window.observe(1024)).isEqualTo(500);
        assertThat(window.observe(4 * MIB)).isEqualTo(8);
        assertThat(window.observe(64 * MIB)).as("one message larger than the budget still goes").isEqualTo(1);
    }

    @Test
    void thePrefetchWidensAgainTwoWindowsAfterTheLastLargeMessage() {
        PrefetchWindow window = new PrefetchWindow(500, 32 * MIB);
        window.observe(4 * MIB);
        int wanted = 0;
        for (int i = 0; i < 2 * PrefetchWindow.WINDOW; i++) {
            wanted = window.observe(100);
        }
        assertThat(wanted).isEqualTo(500);
    }

    @Test
    void beforeAnyMessageThePrefetchAssumesLargeOnes() {
        assertThat(new PrefetchWindow(500, 32 * MIB).prefetchFor(4 * MIB)).isEqualTo(8);
        assertThat(new PrefetchWindow(5, 32 * MIB).prefetchFor(1)).isEqualTo(5);
    }
}
