package io.medallion.lake.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The steps every commit of a promotion is made of, whatever its unit (an hour, a date, a dropped
 * file): check that the unit reconciles, move its staged files into the lake, delete the files it
 * replaces, and write its report last, so that a report names exactly the files of a committed
 * unit. {@link CommitPartitions} commits a batch of partitions with them; the file-drop path
 * commits one source file at a time.
 */
public final class LakeCommits {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private LakeCommits() {}

  /**
   * Throws unless {@code read = written + quarantined + duplicates_removed} in {@code counts}.
   *
   * @param unit names the unit in the message, e.g. {@code silver/events dt=2026-01-02/hour=03}
   */
  public static void checkReconciles(String unit, Map<String, Long> counts) {
    long read = counts.getOrDefault(Counts.READ, 0L);
    long accounted =
        counts.getOrDefault(Counts.WRITTEN, 0L)
            + counts.getOrDefault(Counts.QUARANTINED, 0L)
            + counts.getOrDefault(Counts.DUPLICATES_REMOVED, 0L);
    if (read != accounted) {
      throw new IllegalStateException(
          String.format(
              "%s does not reconcile: read %d, but written + quarantined + duplicates"
                  + " removed = %d (%s); nothing was committed",
              unit, read, accounted, counts));
    }
  }

  /**
   * Moves {@code relativeFiles} from {@code stagingRoot} to the same relative paths under the lake
   * root, replacing files of the same name. Returns the lake paths they now have.
   */
  public static List<String> moveIntoLake(
      LakeLayout lake, String stagingRoot, List<String> relativeFiles) throws IOException {
    List<ResourceId> from = new ArrayList<>();
    List<ResourceId> to = new ArrayList<>();
    List<String> moved = new ArrayList<>();
    for (String relative : relativeFiles) {
      from.add(FileSystems.matchNewResource(stagingRoot + "/" + relative, false));
      to.add(FileSystems.matchNewResource(lake.resolve(relative), false));
      moved.add(lake.resolve(relative));
    }
    if (lake.isLocal()) {
      for (ResourceId target : to) {
        Files.createDirectories(Paths.get(target.toString()).getParent());
      }
    }
    // A retried commit finds its files already moved: that is fine, not an error.
    FileSystems.rename(from, to, StandardMoveOptions.IGNORE_MISSING_FILES);
    return moved;
  }

  /** The files directly in a lake-relative folder; none when the folder does not exist. */
  public static List<ResourceId> filesIn(LakeLayout lake, String directory) throws IOException {
    MatchResult match =
        FileSystems.match(lake.resolve(directory) + "/*", EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK && match.status() != MatchResult.Status.NOT_FOUND) {
      throw new IOException("cannot list " + directory + ": " + match.status());
    }
    List<ResourceId> files = new ArrayList<>();
    if (match.status() == MatchResult.Status.OK) {
      for (MatchResult.Metadata m : match.metadata()) {
        files.add(m.resourceId());
      }
    }
    return files;
  }

  /** Deletes lake files; files already gone are fine (a retried commit). */
  public static void delete(Collection<ResourceId> files) throws IOException {
    FileSystems.delete(files, StandardMoveOptions.IGNORE_MISSING_FILES);
  }

  /**
   * Writes {@code _reports/<layer>/<dataset>/<name>.json}: what the unit read, wrote and
   * quarantined (by reason), the other counters, the {@code attributes}, then its {@code files}.
   * Returns the report's path.
   */
  public static String writeReport(
      LakeLayout lake,
      String runId,
      String layer,
      String dataset,
      String name,
      Map<String, Long> counts,
      Map<String, ?> attributes,
      List<String> files)
      throws IOException {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("layer", layer);
    report.put("dataset", dataset);
    report.put("partition", name);
    report.put("run_id", runId);
    report.put("committed_at", Instant.now().toString());
    report.put("read", counts.getOrDefault(Counts.READ, 0L));
    report.put("written", counts.getOrDefault(Counts.WRITTEN, 0L));
    report.put("quarantined", counts.getOrDefault(Counts.QUARANTINED, 0L));
    report.put("duplicates_removed", counts.getOrDefault(Counts.DUPLICATES_REMOVED, 0L));
    Map<String, Long> reasons = new TreeMap<>();
    Map<String, Long> others = new TreeMap<>();
    counts.forEach(
        (counter, value) -> {
          if (counter.startsWith(Counts.QUARANTINED + ".")) {
            reasons.put(counter.substring(Counts.QUARANTINED.length() + 1), value);
          } else if (!report.containsKey(counter)) {
            others.put(counter, value);
          }
        });
    report.put("quarantined_by_reason", reasons);
    report.put("counts", others);
    report.put("reconciled", true);
    report.putAll(attributes);
    report.put("files", files);

    String path = lake.report(layer, dataset, name);
    if (lake.isLocal()) {
      Files.createDirectories(Paths.get(path).getParent());
    }
    ResourceId target = FileSystems.matchNewResource(path, false);
    try (OutputStream out =
        Channels.newOutputStream(FileSystems.create(target, "application/json"))) {
      // Not writeValue(out, ...): Jackson would close the stream, and closing an S3 channel twice
      // completes its multipart upload twice, which S3 rejects.
      out.write(JSON.writeValueAsBytes(report));
    }
    return path;
  }

  /** The report {@link #writeReport} wrote for a unit, if there is one. */
  public static Optional<JsonNode> readReport(
      LakeLayout lake, String layer, String dataset, String name) throws IOException {
    MatchResult match =
        FileSystems.match(lake.report(layer, dataset, name), EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK || match.metadata().isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(match.metadata().get(0).resourceId()))) {
      return Optional.of(JSON.readTree(in));
    }
  }

  /** Object stores have no folders; a local staging tree leaves empty ones behind. */
  public static void cleanUpStaging(LakeLayout lake, String stagingRoot) throws IOException {
    if (!lake.isLocal()) {
      return;
    }
    Path root = Paths.get(stagingRoot);
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (Files.isDirectory(p)) {
          try (Stream<Path> children = Files.list(p)) {
            if (children.findAny().isEmpty()) {
              Files.delete(p);
            }
          }
        }
      }
    }
  }
}
