package io.medallion.lake.pipelines.aws;

import java.net.URI;
import java.time.Duration;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** Kinesis clients for the producer: an emulator's ({@code --kinesisEndpoint}) or AWS's. */
public final class Kinesis {
  private Kinesis() {}

  public static KinesisClient client(KinesisOptions options) {
    // The synchronous Apache 5 client speaks HTTP/1.1, which the emulators serve over plain HTTP.
    KinesisClientBuilder builder =
        KinesisClient.builder().httpClientBuilder(Apache5HttpClient.builder());
    if (options.getKinesisEndpoint() != null) {
      return builder
          .endpointOverride(URI.create(options.getKinesisEndpoint()))
          .region(Region.US_EAST_1)
          .credentialsProvider(
              StaticCredentialsProvider.create(
                  AwsBasicCredentials.create(
                      options.getEmulatorAccessKey(), options.getEmulatorSecretKey())))
          .build();
    }
    Region region = options.as(AwsOptions.class).getAwsRegion();
    if (region != null) {
      builder.region(region);
    }
    return builder.build();
  }

  /** Waits until {@code stream} is ACTIVE (an emulator creates it just after it starts). */
  public static void awaitActive(KinesisClient client, String stream, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "not found";
    while (System.nanoTime() < deadline) {
      try {
        StreamStatus status =
            client
                .describeStreamSummary(b -> b.streamName(stream))
                .streamDescriptionSummary()
                .streamStatus();
        if (status == StreamStatus.ACTIVE || status == StreamStatus.UPDATING) {
          return;
        }
        last = String.valueOf(status);
      } catch (ResourceNotFoundException e) {
        last = "not found";
      }
      Thread.sleep(250);
    }
    throw new IllegalArgumentException("--stream: " + stream + " is not active (" + last + ")");
  }
}
