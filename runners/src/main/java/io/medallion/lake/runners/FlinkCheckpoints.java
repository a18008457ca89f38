package io.medallion.lake.runners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints a streaming job on embedded Flink keeps in a local folder, as Flink lays them out
 * ({@code state.checkpoints.dir}): {@code <folder>/<job id>/chk-<n>/}, one job id per launch. A
 * checkpoint is complete once Flink has written its {@code _metadata} file, which it writes last
 * and renames into place; a {@code chk-<n>} without one is a checkpoint the JVM died in, and cannot
 * be restored.
 */
final class FlinkCheckpoints {
  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");
  private static final String METADATA = "_metadata";

  /** A complete checkpoint: its folder, its number, and when its {@code _metadata} was written. */
  record Checkpoint(Path folder, long number, FileTime completed) {}

  private FlinkCheckpoints() {}

  /**
   * The newest complete checkpoint under {@code folder}, whatever job (launch) wrote it: the one
   * whose {@code _metadata} was written last, the higher number on a tie. Empty when the folder
   * does not exist or holds none. A restored job numbers its checkpoints on from the one it
   * restored, but a launch that started afresh counts from 1 again, so the time decides.
   */
  static Optional<Checkpoint> latest(Path folder) {
    if (!Files.isDirectory(folder)) {
      return Optional.empty();
    }
    List<Checkpoint> complete = new ArrayList<>();
    try (Stream<Path> jobs = Files.list(folder)) {
      for (Path job : jobs.filter(Files::isDirectory).toList()) {
        try (Stream<Path> checkpoints = Files.list(job)) {
          for (Path checkpoint : checkpoints.toList()) {
            Matcher name = CHECKPOINT.matcher(checkpoint.getFileName().toString());
            Path metadata = checkpoint.resolve(METADATA);
            if (name.matches() && Files.isRegularFile(metadata)) {
              complete.add(
                  new Checkpoint(
                      checkpoint,
                      Long.parseLong(name.group(1)),
                      Files.getLastModifiedTime(metadata)));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the checkpoints in " + folder, e);
    }
    return complete.stream()
        .max(Comparator.comparing(Checkpoint::completed).thenComparingLong(Checkpoint::number));
  }
}
