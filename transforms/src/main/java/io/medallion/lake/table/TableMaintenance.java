package io.medallion.lake.table;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.progress.Messages;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestContent;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.PartitionStatisticsFile;
import org.apache.iceberg.ReachableFileUtil;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.RollingDataWriter;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a lake table small and fast: expires old snapshots, removes orphan files, compacts
 * partitions of small files, and removes the lake's stale staging folders. {@code lake maintain}
 * runs it for every table; the cloud schedules it daily.
 *
 * <ol>
 *   <li><b>Expire</b> snapshots committed before {@link Settings#retainSnapshots} ago with
 *       Iceberg's {@code expireSnapshots()}, always keeping the current one and the last {@link
 *       Settings#retainLast}; Iceberg deletes the files only they referenced.
 *   <li><b>Compact</b> each partition of the current snapshot holding at least two data files and
 *       either more than {@link Settings#compactMinFiles} or less than {@link
 *       Settings#targetFileSizeBytes} in all: its rows are read with Iceberg's generic reader and
 *       rewritten into files of about the target size (one, for a small partition), committed with
 *       {@code newRewrite()} validated from the snapshot the rewrite read. A promotion that
 *       replaced the partition meanwhile makes the rewrite fail; it is then skipped with a warning
 *       and its files deleted, so rows are never mixed or duplicated. A partition with row-level
 *       delete files (written by another engine, see {@link RowDeletes}) is rewritten too, even a
 *       single file: its rows are read with the deletes applied, and the commit removes its data
 *       files and the delete files of the partition that applied to them, so the deleted rows are
 *       gone from the current snapshot's files (and, once the older snapshots expire, from the
 *       lake). A delete file of another partition or of an unpartitioned spec stays: it may apply
 *       elsewhere, and it does not apply to the rewritten files, whose data sequence number is the
 *       read snapshot's. A delete committed meanwhile against a rewritten file makes the rewrite
 *       fail, as a promotion does.
 *   <li><b>Remove orphans</b>: every file under the table's location ({@code data/} and {@code
 *       metadata/}) that no kept snapshot, manifest list, manifest, metadata or statistics file
 *       references, and that is older than {@link Settings#orphanAge}. Iceberg core has no
 *       implementation of this; the age is the safety margin that keeps the files of a promotion
 *       still running (written, not yet committed) from being deleted.
 * </ol>
 *
 * With {@link Settings#dryRun} nothing is committed or deleted: the report lists what would be.
 * Table files are listed and deleted through the table's FileIO, so the same code works on a local
 * lake and on S3.
 */
public final class TableMaintenance {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintenance.class);

  /** Summary property of a compaction commit: what maintenance did. */
  public static final String OPERATION = "lake.operation";

  /** {@link #OPERATION} of a compaction commit. */
  public static final String COMPACTION = "compaction";

  /** The smallest {@link Settings#orphanAge} allowed without {@link Settings#force}. */
  public static final Duration MIN_ORPHAN_AGE = Duration.ofHours(1);

  private TableMaintenance() {}

  /**
   * What to do and when "now" is.
   *
   * @param now the time ages are measured from
   * @param retainSnapshots snapshots committed longer ago than this are expired
   * @param retainLast snapshots always kept (the most recent ones), at least 1
   * @param orphanAge unreferenced files younger than this are kept
   * @param force allow {@code orphanAge} below {@link #MIN_ORPHAN_AGE} (only when no promotion is
   *     running)
   * @param compactMinFiles a partition with more data files than this is compacted
   * @param targetFileSizeBytes a partition smaller than this in all is compacted; rewritten files
   *     are about this size
   * @param dryRun list what would be done, change nothing
   * @param runId recorded as {@code lake.run-id} in compaction commits
   */
  public record Settings(
      Instant now,
      Duration retainSnapshots,
      int retainLast,
      Duration orphanAge,
      boolean force,
      int compactMinFiles,
      long targetFileSizeBytes,
      boolean dryRun,
      String runId) {
    public Settings {
      Objects.requireNonNull(now, "now");
      Objects.requireNonNull(runId, "runId");
      if (retainSnapshots.isNegative()) {
        throw new IllegalArgumentException(
            "--retainSnapshots: must not be negative, got " + retainSnapshots);
      }
      if (retainLast < 1) {
        throw new IllegalArgumentException("--retainLast: must be at least 1, got " + retainLast);
      }
      if (orphanAge.compareTo(MIN_ORPHAN_AGE) < 0 && !force) {
        throw new IllegalArgumentException(
            "--orphanAge: "
                + orphanAge
                + " is below "
                + MIN_ORPHAN_AGE
                + ": a running promotion's files could be deleted; add --force if none runs");
      }
      if (orphanAge.isNegative()) {
        throw new IllegalArgumentException("--orphanAge: must not be negative, got " + orphanAge);
      }
      if (compactMinFiles < 1) {
        throw new IllegalArgumentException(
            "--compactMinFiles: must be at least 1, got " + compactMinFiles);
      }
      if (targetFileSizeBytes < 1) {
        throw new IllegalArgumentException(
            "--targetFileSizeMb: must be at least 1, got " + targetFileSizeBytes + " bytes");
      }
    }

    /** Snapshots committed before this are expired. */
    public Instant expireBefore() {
      return now.minus(retainSnapshots);
    }

    /** Unreferenced files last modified before this are removed. */
    public Instant orphansBefore() {
      return now.minus(orphanAge);
    }
  }

  /** A file removed (or, in a dry run, to be removed). */
  public record RemovedFile(String location, long bytes) {}

  /**
   * A partition compacted (or to be, in a dry run), or skipped.
   *
   * @param partition the partition path, e.g. {@code dt=2026-01-02/hour=3}
   * @param records the rows written (in a dry run, or when skipped, the rows the data files hold,
   *     deleted ones included)
   * @param deleteFiles the row-level delete files that applied to the partition's data files
   * @param rowsDeleted the rows those deletes removed (0 in a dry run, which reads nothing)
   * @param skipped why it was not committed; empty when it was (or would be)
   */
  public record Compaction(
      String partition,
      int filesBefore,
      long bytesBefore,
      int filesAfter,
      long bytesAfter,
      long records,
      int deleteFiles,
      long rowsDeleted,
      Optional<String> skipped) {}

  /**
   * What maintenance did to one table.
   *
   * @param youngOrphans unreferenced files kept because they are younger than the orphan age
   */
  public record Report(
      LakeTable table,
      List<Long> expiredSnapshots,
      List<RemovedFile> expiredFiles,
      List<Compaction> compactions,
      List<RemovedFile> orphans,
      int youngOrphans,
      List<String> warnings) {}

  /** What staging clean-up did: the run folders under {@code _tmp/} removed, and their files. */
  public record StagingReport(List<String> folders, List<RemovedFile> files, int youngFolders) {}

  /** Expires, compacts and removes orphans of {@code table}, in that order. */
  public static Report maintain(LakeTable definition, Table table, Settings settings) {
    List<String> warnings = new ArrayList<>();
    List<RemovedFile> expiredFiles = Collections.synchronizedList(new ArrayList<>());
    List<Long> expired = expire(table, settings, expiredFiles);
    List<Compaction> compactions = compact(definition, table, settings);
    compactions.stream()
        .filter(c -> c.skipped().isPresent())
        .forEach(
            c -> warnings.add("compaction of " + c.partition() + " skipped: " + c.skipped().get()));
    List<RemovedFile> orphans = new ArrayList<>();
    int young = removeOrphans(table, settings, orphans, warnings);
    return new Report(
        definition, expired, List.copyOf(expiredFiles), compactions, orphans, young, warnings);
  }

  // ---- expire ----

  /**
   * Expires the snapshots {@code settings} retires; adds the files Iceberg deleted (or would) to
   * {@code deleted}.
   *
   * @return the expired snapshot ids, oldest first
   */
  static List<Long> expire(Table table, Settings settings, List<RemovedFile> deleted) {
    table.refresh();
    if (table.currentSnapshot() == null) {
      return List.of();
    }
    FileIO io = table.io();
    ExpireSnapshots expire =
        table
            .expireSnapshots()
            .expireOlderThan(settings.expireBefore().toEpochMilli())
            .retainLast(settings.retainLast());
    List<Snapshot> before = snapshots(table);
    if (settings.dryRun()) {
      List<Snapshot> removed = expire.apply();
      List<Snapshot> kept = new ArrayList<>(before);
      kept.removeAll(removed);
      Set<String> stillReferenced = snapshotFiles(table, kept);
      for (String file : snapshotFiles(table, before)) {
        if (!stillReferenced.contains(file)) {
          deleted.add(new RemovedFile(file, sizeOf(io, file)));
        }
      }
      return removed.stream().map(Snapshot::snapshotId).sorted().toList();
    }
    expire
        .deleteWith(
            file -> {
              long bytes = sizeOf(io, file);
              io.deleteFile(file);
              deleted.add(new RemovedFile(file, bytes));
            })
        .commit();
    table.refresh();
    Set<Long> kept = new HashSet<>();
    table.snapshots().forEach(s -> kept.add(s.snapshotId()));
    return before.stream()
        .filter(s -> !kept.contains(s.snapshotId()))
        .map(Snapshot::snapshotId)
        .toList();
  }

  // ---- compact ----

  /** Compacts (or, in a dry run, lists) the partitions of small files of the current snapshot. */
  static List<Compaction> compact(LakeTable definition, Table table, Settings settings) {
    table.refresh();
    Snapshot start = table.currentSnapshot();
    if (start == null) {
      return List.of();
    }
    Map<String, List<FileScanTask>> byPartition = new TreeMap<>();
    Map<String, String> cannot = new LinkedHashMap<>();
    try (CloseableIterable<FileScanTask> tasks =
        table.newScan().useSnapshot(start.snapshotId()).planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        String partition = partitionPath(table, file);
        byPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(task);
        if (file.format() != FileFormat.PARQUET) {
          cannot.put(partition, "it has a " + file.format() + " data file");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Compaction> compactions = new ArrayList<>();
    int partitionId = 0;
    for (Map.Entry<String, List<FileScanTask>> entry : byPartition.entrySet()) {
      List<FileScanTask> files = entry.getValue();
      long bytes = files.stream().mapToLong(t -> t.file().fileSizeInBytes()).sum();
      long records = files.stream().mapToLong(t -> t.file().recordCount()).sum();
      int deleteFiles = deleteFiles(files).size();
      boolean small =
          files.size() >= 2
              && (files.size() > settings.compactMinFiles()
                  || bytes < settings.targetFileSizeBytes());
      // Deleted rows are still in the data files: rewriting them is what removes them.
      if (!small && deleteFiles == 0) {
        continue;
      }
      String partition = entry.getKey();
      if (cannot.containsKey(partition)) {
        compactions.add(
            new Compaction(
                partition,
                files.size(),
                bytes,
                0,
                0,
                records,
                deleteFiles,
                0,
                Optional.of(cannot.get(partition))));
      } else if (settings.dryRun()) {
        int after = (int) Math.max(1, Math.ceil((double) bytes / settings.targetFileSizeBytes()));
        compactions.add(
            new Compaction(
                partition,
                files.size(),
                bytes,
                after,
                0,
                records,
                deleteFiles,
                0,
                Optional.empty()));
      } else {
        compactions.add(
            rewrite(definition, table, start, partition, files, partitionId++, settings));
      }
    }
    return compactions;
  }

  /** The distinct delete files that apply to {@code tasks}' data files, by location. */
  private static List<DeleteFile> deleteFiles(List<FileScanTask> tasks) {
    Map<String, DeleteFile> deletes = new TreeMap<>();
    for (FileScanTask task : tasks) {
      task.deletes().forEach(d -> deletes.putIfAbsent(d.location(), d));
    }
    return List.copyOf(deletes.values());
  }

  /**
   * The delete files of {@code tasks} that a rewrite of all of their data files (every data file of
   * one partition of one spec, as planned from one snapshot) may remove with them: those of the
   * same spec and partition. A delete file of an unpartitioned spec, or of another partition, may
   * apply to other data files: it stays.
   *
   * @param tasks not empty
   */
  public static List<DeleteFile> removableDeletes(Table table, List<FileScanTask> tasks) {
    DataFile first = tasks.get(0).file();
    PartitionSpec spec = table.specs().get(first.specId());
    List<DeleteFile> removable = new ArrayList<>();
    for (DeleteFile delete : deleteFiles(tasks)) {
      if (spec.isPartitioned()
          && delete.specId() == first.specId()
          && spec.partitionToPath(delete.partition())
              .equals(spec.partitionToPath(first.partition()))
          && tasks.stream().allMatch(t -> t.file().specId() == first.specId())) {
        removable.add(delete);
      }
    }
    return removable;
  }

  /**
   * Rewrites one partition's {@code files} (with their delete files applied) into files of about
   * the target size, and commits.
   */
  static Compaction rewrite(
      LakeTable definition,
      Table table,
      Snapshot start,
      String partition,
      List<FileScanTask> files,
      int partitionId,
      Settings settings) {
    long bytes = files.stream().mapToLong(t -> t.file().fileSizeInBytes()).sum();
    long records = files.stream().mapToLong(t -> t.file().recordCount()).sum();
    List<DeleteFile> deletes = deleteFiles(files);
    long[] rowsRead = new long[1];
    List<DataFile> written = write(table, files, partitionId, settings, rowsRead);
    long rowsWritten = written.stream().mapToLong(DataFile::recordCount).sum();
    if (rowsWritten != rowsRead[0] || (deletes.isEmpty() && rowsRead[0] != records)) {
      deleteQuietly(table.io(), written);
      throw new IllegalStateException(
          definition
              + " "
              + partition
              + ": compaction read "
              + rowsRead[0]
              + " rows from "
              + files.size()
              + " files holding "
              + records
              + " with "
              + deletes.size()
              + " delete files but wrote "
              + rowsWritten
              + "; nothing committed");
    }
    RewriteFiles rewrite =
        table
            .newRewrite()
            .validateFromSnapshot(start.snapshotId())
            .dataSequenceNumber(start.sequenceNumber());
    files.forEach(t -> rewrite.deleteFile(t.file()));
    removableDeletes(table, files).forEach(rewrite::deleteFile);
    written.forEach(rewrite::addFile);
    rewrite
        .set(TableHistory.UNIT, partition)
        .set(TableHistory.RUN_ID, settings.runId())
        .set(OPERATION, COMPACTION);
    long bytesAfter = written.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    try {
      rewrite.commit();
    } catch (ValidationException | CommitFailedException e) {
      deleteQuietly(table.io(), written);
      String why = "a concurrent commit changed it (" + Messages.firstLine(e.getMessage()) + ")";
      LOG.warn("{} {}: compaction skipped: {}", definition, partition, why);
      return new Compaction(
          partition,
          files.size(),
          bytes,
          written.size(),
          bytesAfter,
          records,
          deletes.size(),
          0,
          Optional.of(why));
    }
    return new Compaction(
        partition,
        files.size(),
        bytes,
        written.size(),
        bytesAfter,
        rowsWritten,
        deletes.size(),
        records - rowsWritten,
        Optional.empty());
  }

  /**
   * Reads {@code files} with Iceberg's generic Parquet reader, their deletes applied ({@link
   * RowDeletes#read}), and writes them anew; {@code rowsRead[0]} is set to the rows read.
   */
  private static List<DataFile> write(
      Table table, List<FileScanTask> files, int partitionId, Settings settings, long[] rowsRead) {
    Schema schema = table.schema();
    DataFile first = files.get(0).file();
    PartitionSpec spec = table.specs().get(first.specId());
    StructLike partitionValue = first.partition();
    OutputFileFactory outputs =
        OutputFileFactory.builderFor(table, partitionId, 0)
            .format(FileFormat.PARQUET)
            .operationId(settings.runId())
            .build();
    GenericFileWriterFactory writers =
        new GenericFileWriterFactory.Builder(table)
            .dataFileFormat(FileFormat.PARQUET)
            .dataSchema(schema)
            .build();
    RollingDataWriter<Record> writer =
        new RollingDataWriter<>(
            writers, outputs, table.io(), settings.targetFileSizeBytes(), spec, partitionValue);
    try (writer) {
      for (FileScanTask file : files) {
        try (CloseableIterable<Record> rows = RowDeletes.read(table, file, schema)) {
          for (Record row : rows) {
            writer.write(row);
            rowsRead[0]++;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      try {
        deleteQuietly(table.io(), writer.result().dataFiles());
      } catch (RuntimeException notClosed) {
        LOG.warn(
            "could not list the files of a failed compaction (lake maintain removes them later)");
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
    return writer.result().dataFiles();
  }

  // ---- orphans ----

  /**
   * Removes (or lists) the files under the table's location that nothing references and that are
   * older than the orphan age; adds them to {@code removed}.
   *
   * @return how many unreferenced files were kept for being younger than the orphan age
   */
  static int removeOrphans(
      Table table, Settings settings, List<RemovedFile> removed, List<String> warnings) {
    table.refresh();
    FileIO io = table.io();
    String location = table.location();
    List<FileInfo> listed = list(io, location + "/");
    Set<String> referenced = new HashSet<>();
    for (String file : referencedFiles(table)) {
      referenced.add(normalise(file));
    }
    // A listing that does not show the current metadata file spells paths differently from the
    // catalog: every file would look unreferenced, so remove nothing.
    String current = normalise(currentMetadata(table));
    if (listed.stream().noneMatch(f -> normalise(f.location()).equals(current))) {
      warnings.add(
          "orphan files not removed: listing "
              + location
              + " did not show the table's current metadata file "
              + current);
      return 0;
    }
    long cutoff = settings.orphansBefore().toEpochMilli();
    int young = 0;
    for (FileInfo file : listed) {
      if (referenced.contains(normalise(file.location()))) {
        continue;
      }
      if (!olderThan(file.createdAtMillis(), cutoff)) {
        young++; // or of no known time
        continue;
      }
      if (!settings.dryRun()) {
        io.deleteFile(file.location());
      }
      removed.add(new RemovedFile(file.location(), file.size()));
    }
    if (!settings.dryRun()) {
      removeEmptyLocalFolders(location + "/data", cutoff);
    }
    return young;
  }

  private static String currentMetadata(Table table) {
    return ((org.apache.iceberg.HasTableOperations) table)
        .operations()
        .current()
        .metadataFileLocation();
  }

  /**
   * Every file a kept version of {@code table} needs: metadata files (and those they list),
   * statistics files, and for every snapshot its manifest list, manifests and live data and delete
   * files.
   */
  public static Set<String> referencedFiles(Table table) {
    Set<String> files = new HashSet<>(ReachableFileUtil.metadataFileLocations(table, true));
    files.add(ReachableFileUtil.versionHintLocation(table));
    files.addAll(ReachableFileUtil.statisticsFilesLocations(table));
    for (PartitionStatisticsFile stats : table.partitionStatisticsFiles()) {
      files.add(stats.path());
    }
    files.addAll(snapshotFiles(table, snapshots(table)));
    return files;
  }

  /** The manifest lists, manifests and live data and delete files of {@code snapshots}. */
  static Set<String> snapshotFiles(Table table, List<Snapshot> snapshots) {
    FileIO io = table.io();
    Set<String> files = new HashSet<>();
    Set<String> manifestsRead = new HashSet<>();
    for (Snapshot snapshot : snapshots) {
      if (snapshot.manifestListLocation() != null) {
        files.add(snapshot.manifestListLocation());
      }
      for (ManifestFile manifest : snapshot.allManifests(io)) {
        files.add(manifest.path());
        if (!manifestsRead.add(manifest.path())) {
          continue;
        }
        try {
          if (manifest.content() == ManifestContent.DATA) {
            try (CloseableIterable<String> paths =
                ManifestFiles.readPaths(manifest, io, table.specs())) {
              paths.forEach(files::add);
            }
          } else {
            try (ManifestReader<DeleteFile> deletes =
                ManifestFiles.readDeleteManifest(manifest, io, table.specs())) {
              deletes.forEach(d -> files.add(d.location()));
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return files;
  }

  // ---- staging ----

  /**
   * Whether every file was last modified before {@code cutoff} (epoch milliseconds), each by {@link
   * #olderThan}.
   */
  static boolean allOlderThan(List<MatchResult.Metadata> files, long cutoff) {
    return files.stream().allMatch(f -> olderThan(f.lastModifiedMillis(), cutoff));
  }

  /**
   * Whether a file last modified at {@code lastModifiedMillis} (epoch milliseconds, 0 when its file
   * system reports no time) is older than {@code cutoff}: only a known time before it. A file of no
   * known time is never taken for old, so never removed as an orphan or a stale staging file.
   */
  static boolean olderThan(long lastModifiedMillis, long cutoff) {
    return lastModifiedMillis > 0 && lastModifiedMillis < cutoff;
  }

  /**
   * Removes (or lists) the run folders under the lake's {@code _tmp/} whose newest file is older
   * than the orphan age: what a promotion that died before its commit left behind. Lists and
   * deletes with Beam's filesystems (local or S3, as the lake's pipelines configured them).
   */
  public static StagingReport cleanStaging(LakeLayout lake, Settings settings) throws IOException {
    String staging = lake.resolve(LakeLayout.STAGING) + "/";
    MatchResult match = FileSystems.match(staging + "**", EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK) {
      return new StagingReport(List.of(), List.of(), 0);
    }
    Map<String, List<MatchResult.Metadata>> byRun = new TreeMap<>();
    for (MatchResult.Metadata file : match.metadata()) {
      if (file.resourceId().isDirectory()) {
        continue;
      }
      String location = normalise(file.resourceId().toString());
      String relative = location.substring(normalise(staging).length());
      int slash = relative.indexOf('/');
      String run = slash < 0 ? relative : relative.substring(0, slash);
      byRun.computeIfAbsent(staging + run, r -> new ArrayList<>()).add(file);
    }
    long cutoff = settings.orphansBefore().toEpochMilli();
    List<String> folders = new ArrayList<>();
    List<RemovedFile> files = new ArrayList<>();
    int young = 0;
    for (Map.Entry<String, List<MatchResult.Metadata>> run : byRun.entrySet()) {
      if (!allOlderThan(run.getValue(), cutoff)) {
        young++;
        continue;
      }
      if (!settings.dryRun()) {
        FileSystems.delete(
            run.getValue().stream().map(MatchResult.Metadata::resourceId).toList(),
            MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
        // Every file of the run is old: its folders go too, whatever their own times.
        removeEmptyLocalFolders(run.getKey(), Long.MAX_VALUE);
        deleteLocalFolderIfEmpty(run.getKey());
      }
      folders.add(run.getKey());
      run.getValue()
          .forEach(f -> files.add(new RemovedFile(f.resourceId().toString(), f.sizeBytes())));
    }
    if (!settings.dryRun()) {
      deleteLocalFolderIfEmpty(lake.resolve(LakeLayout.STAGING));
    }
    return new StagingReport(folders, files, young);
  }

  // ---- helpers ----

  private static List<Snapshot> snapshots(Table table) {
    List<Snapshot> snapshots = new ArrayList<>();
    table.snapshots().forEach(snapshots::add);
    return snapshots;
  }

  /** Every file under {@code prefix}; none when it does not exist. */
  public static List<FileInfo> list(FileIO io, String prefix) {
    if (!(io instanceof SupportsPrefixOperations prefixes)) {
      throw new IllegalStateException(
          "the table's FileIO " + io.getClass().getName() + " cannot list files");
    }
    List<FileInfo> files = new ArrayList<>();
    try {
      prefixes.listPrefix(prefix).forEach(files::add);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof FileNotFoundException) {
        return List.of();
      }
      throw e;
    }
    return files;
  }

  /**
   * A location as the catalog spells it: Hadoop lists local files as {@code file:/a/b}, Iceberg
   * records {@code /a/b}; {@code s3a://} and {@code s3n://} are {@code s3://}.
   */
  public static String normalise(String location) {
    String l = location;
    if (l.startsWith("file:")) {
      l = l.substring("file:".length());
      while (l.startsWith("//")) {
        l = l.substring(1);
      }
    } else if (l.startsWith("s3a://") || l.startsWith("s3n://")) {
      l = "s3://" + l.substring("s3a://".length());
    }
    return l;
  }

  private static long sizeOf(FileIO io, String file) {
    try {
      return io.newInputFile(file).getLength();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static void deleteQuietly(FileIO io, List<DataFile> files) {
    for (DataFile file : files) {
      try {
        io.deleteFile(file.location());
      } catch (RuntimeException e) {
        LOG.warn(
            "could not delete {}: {} (lake maintain removes it later)",
            file.location(),
            e.toString());
      }
    }
  }

  /**
   * On a local lake, removes the empty folders under {@code root} last changed before {@code
   * cutoff} (a promotion may have just created one for the file it is about to write). A folder
   * emptied by this run was changed now, so it goes on a later run.
   */
  private static void removeEmptyLocalFolders(String root, long cutoff) {
    Optional<Path> dir = localPath(root);
    if (dir.isEmpty() || !Files.isDirectory(dir.get())) {
      return;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir.get())) {
      for (Path child : children) {
        if (Files.isDirectory(child)) {
          removeEmptyLocalFolders(child.toString(), cutoff);
          try (DirectoryStream<Path> inside = Files.newDirectoryStream(child)) {
            if (!inside.iterator().hasNext()
                && Files.getLastModifiedTime(child).toMillis() < cutoff) {
              Files.deleteIfExists(child);
            }
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("could not remove empty folders under {}: {}", root, e.toString());
    }
  }

  private static void deleteLocalFolderIfEmpty(String folder) {
    Optional<Path> dir = localPath(folder);
    if (dir.isEmpty() || !Files.isDirectory(dir.get())) {
      return;
    }
    try (DirectoryStream<Path> inside = Files.newDirectoryStream(dir.get())) {
      if (!inside.iterator().hasNext()) {
        Files.deleteIfExists(dir.get());
      }
    } catch (IOException e) {
      LOG.warn("could not remove {}: {}", folder, e.toString());
    }
  }

  private static Optional<Path> localPath(String location) {
    String l = normalise(location);
    return LakeLayout.hasScheme(l) ? Optional.empty() : Optional.of(Paths.get(l));
  }

  /** {@code dt=2026-01-02/hour=3}: the partition of {@code file}, as Iceberg writes its path. */
  static String partitionPath(Table table, DataFile file) {
    PartitionSpec spec = table.specs().get(file.specId());
    return spec.isUnpartitioned() ? "(unpartitioned)" : spec.partitionToPath(file.partition());
  }
}
