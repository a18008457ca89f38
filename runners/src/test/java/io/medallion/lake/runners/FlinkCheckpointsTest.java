package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which retained checkpoint a new launch of a streaming job resumes from. */
class FlinkCheckpointsTest {
  private static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");

  @TempDir Path checkpoints;

  private Path checkpoint(String job, String name, Instant completed) throws Exception {
    Path folder = Files.createDirectories(checkpoints.resolve(job).resolve(name));
    if (completed != null) {
      Path metadata = Files.write(folder.resolve("_metadata"), new byte[] {1});
      Files.setLastModifiedTime(metadata, FileTime.from(completed));
    }
    return folder;
  }

  @Test
  void theNewestCompleteCheckpointOfAnyLaunchWins() throws Exception {
    checkpoint("aaaa", "chk-40", NOW.minusSeconds(600));
    Path newest = checkpoint("bbbb", "chk-3", NOW.minusSeconds(60));
    checkpoint("bbbb", "chk-4", null);
    Files.createDirectories(checkpoints.resolve("bbbb/shared"));

    assertThat(FlinkCheckpoints.latest(checkpoints))
        .map(FlinkCheckpoints.Checkpoint::folder)
        .contains(newest);
  }

  @Test
  void onATieTheHigherNumberWins() throws Exception {
    checkpoint("aaaa", "chk-7", NOW);
    Path higher = checkpoint("aaaa", "chk-8", NOW);

    assertThat(FlinkCheckpoints.latest(checkpoints))
        .map(FlinkCheckpoints.Checkpoint::number)
        .contains(8L);
    assertThat(FlinkCheckpoints.latest(checkpoints).orElseThrow().folder()).isEqualTo(higher);
  }

  @Test
  void aCheckpointWithoutItsMetadataOrNoFolderIsNone() throws Exception {
    checkpoint("aaaa", "chk-1", null);
    checkpoint("aaaa", "savepoint-x", NOW);

    assertThat(FlinkCheckpoints.latest(checkpoints)).isEmpty();
    assertThat(FlinkCheckpoints.latest(checkpoints.resolve("missing"))).isEmpty();
  }
}
