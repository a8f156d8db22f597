package io.interchange.bridge.kafka;

import java.util.Locale;

/**
 * What the gateway writes beside a committed offset (Kafka's commit metadata), so that the next owner of
 * the partition, after a rebalance or a restart, knows what the last one knew:
 * <ul>
 * <li>{@code attempts}: deliveries of the record at the committed offset so far (failed, or started and
 * never finished), so its attempt count survives re-reads and restarts;</li>
 * <li>{@code abandoned}: of those, the ones that ended without an outcome (the gateway died or stopped
 * while the record was in flight): a record that kills the gateway is known by this count;</li>
 * <li>{@code firstFailure}: epoch millis of its first failure, 0 if none;</li>
 * <li>{@code lease}: the offset below which records may have been handed to the route. An owner writes it
 * before it dispatches past it, so after a crash every record that may have been in flight lies between
 * the committed offset and the lease; 0 or not above the committed offset after a clean handover.</li>
 * <li>{@code suspect}: the offset below which records lay under a lease that an earlier owner already
 * abandoned. A single death is usually not the records' doing (a node lost, a pod evicted), so the next
 * owner reads on at full speed and only marks the range; a record under a lease abandoned a second time
 * is suspected of killing the gateway and read one at a time.</li>
 * </ul>
 */
record OffsetNote(int attempts, int abandoned, long firstFailure, long lease, long suspect) {

    static final OffsetNote NONE = new OffsetNote(0, 0, 0, 0, 0);

    private static final String PREFIX = "interchange;";

    String encode() {
        return PREFIX + "a=" + attempts + ";c=" + abandoned + ";f=" + firstFailure + ";h=" + lease + ";s=" + suspect;
    }

    /** Another client's metadata, or none, is no note. */
    static OffsetNote decode(String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return NONE;
        }
        int attempts = 0;
        int abandoned = 0;
        long firstFailure = 0;
        long lease = 0;
        long suspect = 0;
        for (String field : metadata.substring(PREFIX.length()).split(";")) {
            int eq = field.indexOf('=');
            if (eq < 0) {
                continue;
            }
            try {
                long value = Long.parseLong(field.substring(eq + 1).strip());
                switch (field.substring(0, eq).strip().toLowerCase(Locale.ROOT)) {
                    case "a" -> attempts = (int) Math.max(0, Math.min(Integer.MAX_VALUE, value));
                    case "c" -> abandoned = (int) Math.max(0, Math.min(Integer.MAX_VALUE, value));
                    case "f" -> firstFailure = Math.max(0, value);
                    case "h" -> lease = Math.max(0, value);
                    case "s" -> suspect = Math.max(0, value);
                    default -> {
                        // a later version's field
                    }
                }
            } catch (NumberFormatException e) {
                // a field this version cannot read counts as absent
            }
        }
        return new OffsetNote(attempts, abandoned, firstFailure, lease, suspect);
    }
}
