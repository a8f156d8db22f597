/**
 * The chaos suite (issue #16): each of the six example directions bridges keyed CloudEvents while a fault
 * strikes (the gateway SIGKILLed or SIGTERMed three times, the source or the sink broker restarted, a second
 * replica joining and leaving), and every record is accounted for at the sink: lost, duplicated, out of order
 * on its first occurrence, how long deliveries and readiness took to come back, and whether any source was left
 * with messages. {@code scripts/chaos.sh} runs the whole matrix ({@link io.interchange.chaos.ChaosSuite});
 * {@code ChaosSuiteIT} runs a short form in the test suite.
 */
package io.interchange.chaos;
