package io.interchange.bridge.kafka;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.Cluster;

/**
 * A partition assignor that fails the first assignment of the JVM: the exception comes out of
 * {@code KafkaConsumer.poll()} on the group leader, the way a commit failing during a rebalance does, and
 * ends the poll loop that called it.
 */
public class FailingOnceAssignor extends RangeAssignor {

    public static final AtomicBoolean FAILED = new AtomicBoolean();

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        if (FAILED.compareAndSet(false, true)) {
            throw new IllegalStateException("assignment failed on purpose, once");
        }
        return super.assign(metadata, groupSubscription);
    }

    @Override
    public String name() {
        return "range"; // the same protocol as the members that assign normally
    }
}
