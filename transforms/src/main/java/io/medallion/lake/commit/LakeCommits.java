package io.medallion.lake.commit;

import static io.medallion.lake.table.TableHistory.DUPLICATES_REMOVED;
import static io.medallion.lake.table.TableHistory.QUARANTINED;
import static io.medallion.lake.table.TableHistory.READ;
import static io.medallion.lake.table.TableHistory.RUN_ID;
import static io.medallion.lake.table.TableHistory.UNIT;
import static io.medallion.lake.table.TableHistory.WRITTEN;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Evaluator;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Projections;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.util.SnapshotUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps every commit of a promotion is made of, whatever its unit (an hour, a date, a dropped
 * file): check that the unit reconciles, replace the unit's rows in each of its Iceberg tables with
 * one atomic overwrite ({@link #overwrite}), swap its quarantine files in, and write its report
 * last, so that a report names exactly what a committed unit holds. {@link CommitPartitions}
 * commits a batch of units with them; the file-drop path commits one source file at a time.
 */
public final class LakeCommits {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Logger LOG = LoggerFactory.getLogger(LakeCommits.class);

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
   * A written Parquet data file as Iceberg records it: its size, its footer's metrics under the
   * table's metrics config (so scans can skip it by column bounds, e.g. {@code created_at}) and its
   * partition, from its Iceberg partition path ({@code dt=2026-01-02/hour=3}).
   */
  public static DataFile dataFile(Table table, String path, String partitionPath) {
    InputFile in = table.io().newInputFile(path);
    return DataFiles.builder(table.spec())
        .withPath(path)
        .withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(in.getLength())
        .withMetrics(ParquetUtil.fileMetrics(in, MetricsConfig.forTable(table)))
        .withPartitionPath(partitionPath)
        .build();
  }

  /**
   * Whether every row of {@code file} is a row of {@code unitFilter}, judged on its partition (the
   * filter's strict projection on the table's partition spec).
   */
  public static boolean holdsOnly(Table table, Expression unitFilter, DataFile file) {
    Expression projected = Projections.strict(table.spec()).project(unitFilter);
    return new Evaluator(table.spec().partitionType(), projected).eval(file.partition());
  }

  /**
   * The snapshot with which {@code runId} committed {@code unit} after {@code sinceSnapshotId}, if
   * it did: a retried commit step finds its own commit there.
   *
   * @param sinceSnapshotId exclusive; null for the whole history
   */
  public static Optional<Long> committedBy(
      Table table, String runId, String unit, Long sinceSnapshotId) {
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      return Optional.empty();
    }
    for (Snapshot snapshot :
        SnapshotUtil.ancestorsBetween(table, current.snapshotId(), sinceSnapshotId)) {
      Map<String, String> summary = snapshot.summary();
      if (runId.equals(summary.get(RUN_ID)) && unit.equals(summary.get(UNIT))) {
        return Optional.of(snapshot.snapshotId());
      }
    }
    return Optional.empty();
  }

  /**
   * Replaces the rows of one unit in {@code table} with those of {@code files}, in one atomic
   * Iceberg commit: an overwrite by {@code unitFilter} (so an empty unit still replaces), validated
   * from {@code startSnapshotId} so that a concurrent run that committed the same unit after this
   * run started makes this commit fail instead of mixing rows. The snapshot summary carries the run
   * id, the unit and its counts. A unit this run already committed since {@code startSnapshotId} (a
   * retried commit step) is not committed again.
   *
   * @param startSnapshotId the table's snapshot when the run started; null if it had none
   * @return the snapshot that holds the unit's rows
   * @throws IllegalStateException (one line) when another run committed the unit since this run
   *     started; nothing of this commit is in the table then
   */
  public static long overwrite(
      Table table,
      Long startSnapshotId,
      Expression unitFilter,
      List<DataFile> files,
      String runId,
      String unit,
      Map<String, Long> counts) {
    table.refresh();
    Optional<Long> done = committedBy(table, runId, unit, startSnapshotId);
    if (done.isPresent()) {
      return done.get();
    }
    OverwriteFiles overwrite =
        table
            .newOverwrite()
            .overwriteByRowFilter(unitFilter)
            .conflictDetectionFilter(unitFilter)
            .validateNoConflictingData()
            .validateNoConflictingDeletes();
    if (startSnapshotId != null) {
      overwrite.validateFromSnapshot(startSnapshotId);
    }
    files.forEach(overwrite::addFile);
    overwrite
        .set(RUN_ID, runId)
        .set(UNIT, unit)
        .set(READ, String.valueOf(counts.getOrDefault(Counts.READ, 0L)))
        .set(WRITTEN, String.valueOf(counts.getOrDefault(Counts.WRITTEN, 0L)))
        .set(QUARANTINED, String.valueOf(counts.getOrDefault(Counts.QUARANTINED, 0L)))
        .set(
            DUPLICATES_REMOVED, String.valueOf(counts.getOrDefault(Counts.DUPLICATES_REMOVED, 0L)));
    try {
      overwrite.commit();
    } catch (ValidationException e) {
      LOG.warn("Commit of {} {} rejected: {}", table.name(), unit, e.getMessage());
      throw new IllegalStateException(
          "another run committed "
              + tableName(table)
              + " "
              + unit
              + " since this run started; nothing of this run was committed for it; run it again");
    }
    table.refresh();
    return committedBy(table, runId, unit, startSnapshotId)
        .orElseThrow(() -> new IllegalStateException(table.name() + " lost the commit of " + unit));
  }

  /**
   * Refuses to replace a unit that holds rows in {@code table} with the nothing this run read for
   * it (its input not delivered yet, archived or deleted, or a typo in a range), unless {@code
   * allowEmpty}. Call before any commit of the run.
   *
   * @throws IllegalStateException one line saying which unit holds how many rows and what to do
   */
  public static void checkNotEmptied(
      Table table,
      Expression unitFilter,
      String unit,
      Map<String, Long> counts,
      boolean allowEmpty) {
    if (allowEmpty || counts.getOrDefault(Counts.READ, 0L) > 0) {
      return;
    }
    long rows = rowsIn(table, unitFilter);
    if (rows > 0) {
      throw new IllegalStateException(
          tableName(table)
              + " "
              + unit
              + " holds "
              + rows
              + " rows and this run read nothing for it (is its input there?); nothing was"
              + " committed; pass --allowEmpty to replace it with nothing");
    }
  }

  /** The rows {@code table} holds now in the files that {@code filter} selects. */
  public static long rowsIn(Table table, Expression filter) {
    table.refresh();
    if (table.currentSnapshot() == null) {
      return 0;
    }
    long rows = 0;
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        rows += task.file().recordCount();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static String tableName(Table table) {
    String name = table.name();
    return name.substring(name.lastIndexOf('.') + 1);
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
