package io.medallion.lake.pipelines.options;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.aws.EmulatorS3ClientBuilderFactory;
import io.medallion.lake.table.CatalogSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;

/** Opens the lake named by {@code --lake}, with a clear message when it is not there. */
public final class Lakes {
  private Lakes() {}

  /** A lake that must already exist (every promotion reads something in it). */
  public static LakeLayout existing(PipelineOptions options, String root) {
    EmulatorS3ClientBuilderFactory.installIfEmulated(options);
    FileSystems.setDefaultPipelineOptions(options);
    LakeLayout lake = LakeLayout.at(root);
    if (lake.isLocal()) {
      if (!Files.isDirectory(Paths.get(lake.root()))) {
        throw new IllegalArgumentException(
            "--lake: "
                + lake.root()
                + " does not exist. Produce some events first (make demo, or lake produce)");
      }
      return lake;
    }
    try {
      MatchResult m = FileSystems.match(lake.root() + "/*", EmptyMatchTreatment.ALLOW);
      if (m.status() != MatchResult.Status.OK && m.status() != MatchResult.Status.NOT_FOUND) {
        throw new IllegalArgumentException(
            "--lake: cannot list " + lake.root() + ": " + m.status());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--lake: cannot reach " + lake.root() + ": " + e.getMessage());
    }
    return lake;
  }

  /** A lake that may be new (the producer creates it). */
  public static LakeLayout create(PipelineOptions options, String root) throws IOException {
    EmulatorS3ClientBuilderFactory.installIfEmulated(options);
    FileSystems.setDefaultPipelineOptions(options);
    LakeLayout lake = LakeLayout.at(root);
    if (lake.isLocal()) {
      Files.createDirectories(Paths.get(lake.root()));
    }
    return lake;
  }

  /**
   * The Iceberg catalog {@code --catalog}, {@code --catalogUri} and {@code --catalogNamespace} name
   * for {@code lake}; on an S3 emulator ({@code --s3Endpoint}) its FileIO uses the same endpoint
   * and credentials as the lake's Beam filesystem.
   */
  public static CatalogSettings catalog(LakeOptions options, LakeLayout lake) {
    Map<String, String> fileIo =
        options.getS3Endpoint() == null || options.getS3Endpoint().isBlank()
            ? Map.of()
            : CatalogSettings.s3Emulator(
                options.getS3Endpoint(),
                options.getEmulatorAccessKey(),
                options.getEmulatorSecretKey(),
                options.getAwsRegion() == null ? "us-east-1" : options.getAwsRegion().id());
    return switch (CatalogSettings.Kind.parse(options.getCatalog())) {
      case LOCAL ->
          CatalogSettings.local(
              lake,
              Optional.ofNullable(options.getCatalogUri()),
              options.getCatalogNamespace(),
              fileIo);
      case GLUE -> CatalogSettings.glue(lake, options.getCatalogNamespace(), fileIo);
    };
  }
}
