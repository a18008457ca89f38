package io.medallion.lake.table;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;

/**
 * The snapshots a lake table keeps, oldest first, with what each promotion recorded in its snapshot
 * summary: the unit it replaced ({@code lake.unit}, e.g. {@code dt=2026-01-02/hour=03}), its run
 * id, and its counts, next to Iceberg's own added and deleted record counts. Snapshots expired by
 * {@code lake maintain} are gone from the list.
 */
public final class TableHistory {
  /** Summary property: the promotion unit a commit replaced (an hour, a date, a source file). */
  public static final String UNIT = "lake.unit";

  /** Summary property: the id of the run that committed. */
  public static final String RUN_ID = "lake.run-id";

  /** Summary property: records the promotion read. */
  public static final String READ = "lake.read";

  /** Summary property: rows the promotion wrote. */
  public static final String WRITTEN = "lake.written";

  /** Summary property: records the promotion quarantined. */
  public static final String QUARANTINED = "lake.quarantined";

  /** Summary property: duplicates the promotion removed. */
  public static final String DUPLICATES_REMOVED = "lake.duplicates-removed";

  /**
   * Prefix of the summary key, on a commit to a dataset's second and later tables, naming the
   * snapshot of an earlier table of the same dataset that the commit's rows were computed with:
   * {@code lake.paired-snapshot.gold_events} on {@code gold_event_stats}. Readers pin that table to
   * it while a unit is committed to one table and not yet the other ({@link PairedSnapshots}).
   */
  public static final String PAIRED_SNAPSHOT = "lake.paired-snapshot.";

  /**
   * The downstream units a commit's rows were marked pending in, comma-separated ({@code
   * date=2026-01-01,date=2026-01-02}): when the unit is replaced again, those units lose the rows
   * and are marked too, even when the new rows are none.
   */
  public static final String MARKED = "lake.marked";

  private TableHistory() {}

  /**
   * One snapshot. Counts a commit did not record are empty; {@code unit} and {@code runId} are null
   * then.
   *
   * @param snapshotId the id {@code --as-of} takes
   * @param committedAt when the snapshot was committed (UTC)
   * @param operation Iceberg's operation: {@code append}, {@code overwrite}, {@code replace}
   *     (compaction), {@code delete}
   * @param current whether it is the table's current snapshot
   */
  public record Entry(
      long snapshotId,
      Instant committedAt,
      String operation,
      String unit,
      String runId,
      OptionalLong read,
      OptionalLong written,
      OptionalLong quarantined,
      OptionalLong duplicatesRemoved,
      OptionalLong addedRecords,
      OptionalLong deletedRecords,
      boolean current) {}

  /** Every snapshot {@code table} keeps, oldest first (by sequence number, then commit time). */
  public static List<Entry> of(Table table) {
    List<Snapshot> snapshots = new ArrayList<>();
    table.snapshots().forEach(snapshots::add);
    snapshots.sort(
        Comparator.comparingLong(Snapshot::sequenceNumber)
            .thenComparingLong(Snapshot::timestampMillis));
    Snapshot current = table.currentSnapshot();
    List<Entry> entries = new ArrayList<>();
    for (Snapshot snapshot : snapshots) {
      Map<String, String> summary = snapshot.summary() == null ? Map.of() : snapshot.summary();
      entries.add(
          new Entry(
              snapshot.snapshotId(),
              Instant.ofEpochMilli(snapshot.timestampMillis()),
              snapshot.operation(),
              summary.get(UNIT),
              summary.get(RUN_ID),
              count(snapshot, summary, READ),
              count(snapshot, summary, WRITTEN),
              count(snapshot, summary, QUARANTINED),
              count(snapshot, summary, DUPLICATES_REMOVED),
              count(snapshot, summary, SnapshotSummary.ADDED_RECORDS_PROP),
              count(snapshot, summary, SnapshotSummary.DELETED_RECORDS_PROP),
              current != null && current.snapshotId() == snapshot.snapshotId()));
    }
    return entries;
  }

  /** A count of the summary; one that is not a number is a writer's bug, and says so. */
  private static OptionalLong count(Snapshot snapshot, Map<String, String> summary, String key) {
    String value = summary.get(key);
    if (value == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(value.strip()));
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "snapshot " + snapshot.snapshotId() + ": " + key + " is not a count: '" + value + "'");
    }
  }
}
