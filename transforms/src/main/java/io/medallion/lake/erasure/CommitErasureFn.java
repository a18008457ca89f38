package io.medallion.lake.erasure;

import static io.medallion.lake.erasure.EraseTableRows.CREATED_ON;
import static io.medallion.lake.erasure.EraseTableRows.FILES_REWRITTEN;
import static io.medallion.lake.erasure.EraseTableRows.ROWS_REMOVED;
import static io.medallion.lake.erasure.EraseTableRows.key;
import static io.medallion.lake.erasure.EraseTableRows.load;

import io.medallion.lake.commit.ErasureCommit;
import io.medallion.lake.commit.PendingMarks;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogConnection;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.write.ParquetFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.InputFile;

/**
 * The last step of {@link EraseTableRows}: with every file of the table read, marks the downstream
 * units of the removed rows pending, then commits every replacement in one commit ({@link
 * ErasureCommit}), replacements recorded from their footers and checked against the rows written;
 * the delete files whose every target is replaced go too. Outputs the table's {@code
 * files_rewritten}, {@code rows_removed} and {@code created_on.<date>} counts.
 */
final class CommitErasureFn extends DoFn<KV<Long, Iterable<FileErasure.Result>>, KV<String, Long>> {
  private final CatalogConnection catalog;
  private final String tableName;
  private final String runId;
  private final boolean dryRun;
  private final LakeLayout lake;
  private final PendingMarks marks;

  CommitErasureFn(
      CatalogSettings catalog,
      String tableName,
      String runId,
      boolean dryRun,
      LakeLayout lake,
      PendingMarks marks) {
    this.catalog = new CatalogConnection(catalog);
    this.tableName = tableName;
    this.runId = runId;
    this.dryRun = dryRun;
    this.lake = lake;
    this.marks = marks;
  }

  @ProcessElement
  public void process(
      @Element KV<Long, Iterable<FileErasure.Result>> planned, OutputReceiver<KV<String, Long>> out)
      throws IOException {
    List<FileErasure.Result> results = new ArrayList<>();
    planned.getValue().forEach(results::add);
    results.sort((a, b) -> a.location().compareTo(b.location()));
    long rowsRemoved = results.stream().mapToLong(FileErasure.Result::rowsRemoved).sum();
    Map<String, Long> byDate = new TreeMap<>();
    results.forEach(r -> r.removedByDate().forEach((d, n) -> byDate.merge(d, n, Long::sum)));
    if (!dryRun) {
      Table table =
          load(catalog, tableName)
              .orElseThrow(() -> new IllegalStateException(tableName + " disappeared"));
      markDownstream(byDate);
      commit(table, planned.getKey(), results, rowsRemoved);
    }
    out.output(KV.of(key(tableName, FILES_REWRITTEN), (long) results.size()));
    out.output(KV.of(key(tableName, ROWS_REMOVED), rowsRemoved));
    byDate.forEach((date, n) -> out.output(KV.of(key(tableName, CREATED_ON + date), n)));
  }

  private void markDownstream(Map<String, Long> byDate) throws IOException {
    if (marks == null || byDate.isEmpty()) {
      return;
    }
    Map<String, List<String>> removed = new TreeMap<>();
    String by = tableName + " erasure " + runId;
    for (Map.Entry<String, Long> e : byDate.entrySet()) {
      for (String unit : marks.unitsFor(Map.of(marks.counterPrefix() + e.getKey(), e.getValue()))) {
        removed.computeIfAbsent(unit, u -> new ArrayList<>()).add(by);
      }
    }
    marks.mark(lake, runId, Map.of(), removed);
  }

  private void commit(
      Table table, long snapshotId, List<FileErasure.Result> results, long rowsRemoved) {
    Snapshot snapshot = table.snapshot(snapshotId);
    if (snapshot == null) {
      throw new IllegalStateException(
          tableName
              + ": the snapshot the erasure planned ("
              + snapshotId
              + ") is gone; nothing of the erasure was committed to it; run lake forget again");
    }
    Map<String, FileScanTask> tasks = new LinkedHashMap<>();
    Map<String, Set<String>> deleteTargets = new HashMap<>();
    Map<String, DeleteFile> deletes = new HashMap<>();
    try (CloseableIterable<FileScanTask> planned =
        table.newScan().useSnapshot(snapshotId).planFiles()) {
      for (FileScanTask task : planned) {
        tasks.put(task.file().location(), task);
        for (DeleteFile delete : task.deletes()) {
          deletes.put(delete.location(), delete);
          deleteTargets
              .computeIfAbsent(delete.location(), d -> new HashSet<>())
              .add(task.file().location());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<DataFile> removed = new ArrayList<>();
    List<DataFile> added = new ArrayList<>();
    Set<String> replaced = new HashSet<>();
    for (FileErasure.Result result : results) {
      FileScanTask task = tasks.get(result.location());
      if (task == null) {
        throw new IllegalStateException(
            tableName + ": erased a file its planned snapshot lacks: " + result.location());
      }
      removed.add(task.file());
      replaced.add(result.location());
      if (result.replacement() != null) {
        added.add(replacement(table, task.file(), result));
      }
    }
    List<DeleteFile> deletesRemoved = new ArrayList<>();
    deleteTargets.forEach(
        (delete, targets) -> {
          if (replaced.containsAll(targets)) {
            deletesRemoved.add(deletes.get(delete));
          }
        });
    try {
      ErasureCommit.commit(
          table,
          snapshotId,
          removed,
          added,
          deletesRemoved,
          runId,
          Map.of(FILES_REWRITTEN, (long) removed.size(), ROWS_REMOVED, rowsRemoved));
    } catch (RuntimeException e) {
      for (DataFile file : added) {
        try {
          table.io().deleteFile(file.location());
        } catch (RuntimeException notDeleted) {
          e.addSuppressed(notDeleted);
        }
      }
      throw e;
    }
  }

  /** The replacement as Iceberg records it: its footer's metrics, the replaced file's partition. */
  private DataFile replacement(Table table, DataFile replaced, FileErasure.Result result) {
    InputFile in = table.io().newInputFile(result.replacement());
    DataFile file =
        DataFiles.builder(table.specs().get(replaced.specId()))
            .withPath(result.replacement())
            .withFormat(FileFormat.PARQUET)
            .withFileSizeInBytes(in.getLength())
            .withMetrics(ParquetFiles.metrics(in, MetricsConfig.forTable(table)))
            .withPartition(replaced.partition())
            .build();
    if (file.recordCount() != result.rowsKept()) {
      throw new IllegalStateException(
          tableName
              + ": the replacement of "
              + result.location()
              + " holds "
              + file.recordCount()
              + " rows, not the "
              + result.rowsKept()
              + " it was written with; nothing committed");
    }
    return file;
  }

  @Teardown
  public void teardown() throws IOException {
    catalog.close();
  }
}
