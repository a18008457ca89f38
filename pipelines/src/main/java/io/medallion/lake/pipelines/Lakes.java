package io.medallion.lake.pipelines;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
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
}
