package io.medallion.lake.pipelines.aws;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The static test credentials sent to local emulators ({@code --s3Endpoint}, {@code
 * --kinesisEndpoint}). Never used against AWS, where the default credential chain applies.
 */
public interface EmulatorCredentialsOptions extends PipelineOptions {
  @Description(
      "Access key sent to the local emulators (S3Proxy checks it; kinesis-local does not).")
  @Default.String("lake-local")
  String getEmulatorAccessKey();

  void setEmulatorAccessKey(String value);

  @Description("Secret key sent to the local emulators.")
  @Default.String("lake-local-secret")
  String getEmulatorSecretKey();

  void setEmulatorSecretKey(String value);
}
