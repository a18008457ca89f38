package io.medallion.lake.pulumi;

import com.pulumi.aws.kinesis.Stream;
import com.pulumi.aws.kinesis.StreamArgs;
import com.pulumi.aws.kinesis.inputs.StreamStreamModeDetailsArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import java.util.Map;

/** The Kinesis stream the bronze job reads: on-demand or provisioned, encrypted with KMS. */
public final class EventStream extends ComponentResource {
  public static final String TYPE = "lake:stream:EventStream";

  private final Output<String> streamName;
  private final Output<String> streamArn;

  public EventStream(String name, EventStreamArgs args, ComponentResourceOptions options) {
    super(TYPE, name, options);
    StreamArgs.Builder stream =
        StreamArgs.builder()
            .name(args.streamName())
            .retentionPeriod(args.retentionHours())
            .encryptionType("KMS")
            .kmsKeyId(args.kmsKeyArn())
            .streamModeDetails(
                StreamStreamModeDetailsArgs.builder()
                    .streamMode(args.onDemand() ? "ON_DEMAND" : "PROVISIONED")
                    .build());
    if (!args.onDemand()) {
      stream.shardCount(args.shardCount());
    }
    Stream s =
        new Stream(
            name + "-stream", stream.build(), CustomResourceOptions.builder().parent(this).build());
    this.streamName = s.name();
    this.streamArn = s.arn();
    registerOutputs(Map.of("streamName", streamName, "streamArn", streamArn));
  }

  public Output<String> streamName() {
    return streamName;
  }

  public Output<String> streamArn() {
    return streamArn;
  }
}
