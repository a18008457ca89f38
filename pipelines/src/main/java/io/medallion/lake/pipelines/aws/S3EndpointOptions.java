package io.medallion.lake.pipelines.aws;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Description;

/**
 * An S3 emulator for an {@code s3://} lake. Unset (the default) means real S3 with Beam's own
 * client settings ({@code --awsRegion}, the default credential chain).
 */
public interface S3EndpointOptions extends S3Options, EmulatorCredentialsOptions {
  @Description(
      "S3 endpoint of a local emulator such as S3Proxy, like http://127.0.0.1:9000. Switches on"
          + " path-style access and the emulator credentials. Leave unset on AWS.")
  String getS3Endpoint();

  void setS3Endpoint(String value);
}
