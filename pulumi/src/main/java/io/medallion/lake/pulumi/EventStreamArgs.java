package io.medallion.lake.pulumi;

import com.pulumi.core.Output;

/**
 * The event stream's capacity and retention.
 *
 * @param streamName the physical stream name
 * @param onDemand on-demand capacity (pay per GB) instead of provisioned shards
 * @param shardCount provisioned shards, ignored when {@code onDemand}
 * @param retentionHours how long records stay readable (24 to 8760)
 * @param kmsKeyArn the key records are encrypted with at rest
 */
public record EventStreamArgs(
    String streamName,
    boolean onDemand,
    int shardCount,
    int retentionHours,
    Output<String> kmsKeyArn) {}
