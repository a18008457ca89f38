package io.medallion.lake.pipelines.aws;

import java.net.URI;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.options.PipelineOptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The S3 client Beam's {@code s3://} filesystem uses against a local emulator ({@code
 * --s3Endpoint}): Beam's default client, pointed at the endpoint with the emulator credentials,
 * with path-style access (an emulator on 127.0.0.1 has no per-bucket host names), and without the
 * {@code x-amz-server-side-encryption-bucket-key-enabled} header Beam sends on multipart uploads,
 * which S3Proxy answers with 501 Not Implemented.
 */
public final class EmulatorS3ClientBuilderFactory implements S3ClientBuilderFactory {
  static final String BUCKET_KEY_HEADER = "x-amz-server-side-encryption-bucket-key-enabled";

  /**
   * Uses this factory for the {@code s3://} filesystem when {@code --s3Endpoint} is set and no
   * other factory was chosen. Call before the options reach {@code FileSystems} or a runner.
   */
  public static void installIfEmulated(PipelineOptions options) {
    S3EndpointOptions s3 = options.as(S3EndpointOptions.class);
    if (s3.getS3Endpoint() != null
        && s3.getS3ClientFactoryClass() == DefaultS3ClientBuilderFactory.class) {
      s3.setS3ClientFactoryClass(EmulatorS3ClientBuilderFactory.class);
    }
  }

  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    S3EndpointOptions emulator = options.as(S3EndpointOptions.class);
    if (emulator.getS3Endpoint() == null) {
      throw new IllegalArgumentException(
          "--s3ClientFactoryClass=" + getClass().getSimpleName() + " needs --s3Endpoint");
    }
    S3ClientBuilder builder = new DefaultS3ClientBuilderFactory().createBuilder(options);
    return builder
        .endpointOverride(URI.create(emulator.getS3Endpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(
                    emulator.getEmulatorAccessKey(), emulator.getEmulatorSecretKey())))
        .forcePathStyle(true)
        .overrideConfiguration(
            builder.overrideConfiguration().toBuilder()
                .addExecutionInterceptor(new StripBucketKeyHeader())
                .build());
  }

  /** Removes the bucket-key header S3Proxy does not implement. */
  static final class StripBucketKeyHeader implements ExecutionInterceptor {
    @Override
    public SdkHttpRequest modifyHttpRequest(
        Context.ModifyHttpRequest context, ExecutionAttributes executionAttributes) {
      SdkHttpRequest request = context.httpRequest();
      if (request.firstMatchingHeader(BUCKET_KEY_HEADER).isEmpty()) {
        return request;
      }
      return request.toBuilder().removeHeader(BUCKET_KEY_HEADER).build();
    }
  }
}
