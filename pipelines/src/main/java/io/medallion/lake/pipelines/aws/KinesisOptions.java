package io.medallion.lake.pipelines.aws;

import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** The Kinesis stream events come through, on AWS or on a local emulator. */
public interface KinesisOptions extends AwsOptions, EmulatorCredentialsOptions {
  @Description("Kinesis data stream name.")
  @Default.String("events")
  String getStream();

  void setStream(String value);

  @Description(
      "Kinesis endpoint of a local emulator such as kinesis-local, like http://127.0.0.1:4568"
          + " (plain HTTP). Uses the emulator credentials and region us-east-1. Leave unset on"
          + " AWS, where --awsRegion and the default credential chain apply.")
  String getKinesisEndpoint();

  void setKinesisEndpoint(String value);
}
