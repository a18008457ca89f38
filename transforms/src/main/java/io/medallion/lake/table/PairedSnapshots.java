package io.medallion.lake.table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * A consistent read of a dataset whose unit is committed to several tables, one commit each (a gold
 * date: {@code gold_events}, its typed tables, then {@code gold_event_stats}). Each commit to a
 * later table names, in its summary, the snapshot of every earlier table it goes with ({@link
 * TableHistory#PAIRED_SNAPSHOT}). A reader takes the dataset's last table at the snapshot it chose
 * (current, or as of a time) and an earlier table at the snapshot that one names, whenever the
 * earlier table holds a unit commit after it: a unit committed to {@code gold_events} but not yet
 * (or never, the run killed) to {@code gold_event_stats}. Both tables then read old for that unit,
 * and the unit's in-flight mark makes the next {@code gold --pending} commit it to both.
 *
 * <p>Maintenance commits (compaction) are not unit commits here: they change no row. An earlier
 * table read as its named snapshot misses only commits of units in flight after it, and what was
 * committed after them (a compaction, another engine's row-level deletes) until the pair is
 * complete. Engines outside the lake (Athena) read each table's current snapshot and see the new
 * rows of such a unit in {@code gold_events} beside its old stats until the pair is complete.
 */
public final class PairedSnapshots {
  private PairedSnapshots() {}

  /**
   * A unit committed to an earlier table of a dataset (a fixed one, or a member of its family) and
   * not to its last one.
   *
   * @param table the earlier table
   * @param unit the unit ({@code date=2026-01-02})
   * @param runId the run that committed it
   * @param snapshotId its commit
   */
  public record Unpaired(LakeTable table, String unit, String runId, long snapshotId) {}

  /**
   * {@code chosen} with each dataset's earlier tables pinned to the snapshots its last table's
   * chosen snapshot names, where they hold unit commits after those; the tables in {@code fixed}
   * keep their choice (a snapshot id the user named).
   *
   * @param tables the loaded tables
   * @param chosen each table's chosen snapshot, empty for none
   */
  public static Map<LakeTable, Optional<Long>> pin(
      Map<LakeTable, Table> tables, Map<LakeTable, Optional<Long>> chosen, Set<LakeTable> fixed) {
    Map<LakeTable, Optional<Long>> pinned = new LinkedHashMap<>(chosen);
    for (Dataset dataset : Dataset.values()) {
      List<LakeTable> order = dataset.tables(tables.keySet());
      LakeTable anchor = order.get(order.size() - 1);
      for (LakeTable earlier : order.subList(0, order.size() - 1)) {
        Table table = tables.get(earlier);
        Optional<Long> choice = chosen.getOrDefault(earlier, Optional.empty());
        if (table == null || choice.isEmpty() || fixed.contains(earlier)) {
          continue;
        }
        Named named = named(dataset, tables.get(anchor), chosen.get(anchor), earlier);
        if (named.legacy() || unitCommits(table, choice.get(), named.snapshotId()).isEmpty()) {
          continue;
        }
        if (named.snapshotId() == null) {
          pinned.put(earlier, beforeEveryUnitCommit(table, choice.get()));
        } else if (table.snapshot(named.snapshotId()) != null) {
          pinned.put(earlier, Optional.of(named.snapshotId()));
        }
      }
    }
    return pinned;
  }

  /** The units committed to a dataset's earlier table and not to its last one, now. */
  public static List<Unpaired> unpaired(Map<LakeTable, Table> tables) {
    List<Unpaired> found = new ArrayList<>();
    for (Dataset dataset : Dataset.values()) {
      List<LakeTable> order = dataset.tables(tables.keySet());
      LakeTable anchor = order.get(order.size() - 1);
      for (LakeTable earlier : order.subList(0, order.size() - 1)) {
        Table table = tables.get(earlier);
        if (table == null || table.currentSnapshot() == null) {
          continue;
        }
        Table anchorTable = tables.get(anchor);
        Optional<Long> anchorSnapshot =
            Optional.ofNullable(anchorTable == null ? null : anchorTable.currentSnapshot())
                .map(Snapshot::snapshotId);
        Named named = named(dataset, anchorTable, anchorSnapshot, earlier);
        if (named.legacy()) {
          continue;
        }
        for (Snapshot s :
            unitCommits(table, table.currentSnapshot().snapshotId(), named.snapshotId())) {
          found.add(
              new Unpaired(
                  earlier,
                  s.summary().get(TableHistory.UNIT),
                  s.summary().get(TableHistory.RUN_ID),
                  s.snapshotId()));
        }
      }
    }
    return found;
  }

  /**
   * What the anchor's snapshot names for {@code earlier}: a snapshot id; null when the anchor has
   * no snapshot (nothing of the earlier table is paired yet), or names none for a member of the
   * dataset's family (its every commit is of a run that died before the anchor's); legacy when the
   * anchor's history names nothing for a fixed table (committed before pairs were recorded: read as
   * it is).
   */
  private record Named(Long snapshotId, boolean legacy) {}

  private static Named named(
      Dataset dataset, Table anchor, Optional<Long> anchorSnapshot, LakeTable earlier) {
    if (anchor == null || anchorSnapshot == null || anchorSnapshot.isEmpty()) {
      return new Named(null, false);
    }
    String key = TableHistory.PAIRED_SNAPSHOT + earlier.tableName();
    for (Snapshot s = anchor.snapshot(anchorSnapshot.get());
        s != null;
        s = s.parentId() == null ? null : anchor.snapshot(s.parentId())) {
      String id = s.summary().get(key);
      if (id != null) {
        return new Named(Long.parseLong(id), false);
      }
    }
    return new Named(
        null, !dataset.family().map(f -> f.isMember(earlier.tableName())).orElse(false));
  }

  /**
   * The unit commits from {@code fromSnapshot} back to {@code untilSnapshot} (exclusive; null for
   * the whole history), newest first.
   */
  private static List<Snapshot> unitCommits(Table table, long fromSnapshot, Long untilSnapshot) {
    List<Snapshot> commits = new ArrayList<>();
    for (Snapshot s = table.snapshot(fromSnapshot);
        s != null && (untilSnapshot == null || s.snapshotId() != untilSnapshot);
        s = s.parentId() == null ? null : table.snapshot(s.parentId())) {
      if (s.summary().containsKey(TableHistory.UNIT) && !isCompaction(s)) {
        commits.add(s);
      }
    }
    return commits;
  }

  /**
   * A compaction by {@code lake maintain} names its partition as its unit but changes no row: it
   * neither needs a pair nor may pin a read to before it, which would also hide the rows another
   * engine deleted since (row-level deletes, which the compaction applied).
   */
  private static boolean isCompaction(Snapshot s) {
    return TableMaintenance.COMPACTION.equals(s.summary().get(TableMaintenance.OPERATION));
  }

  /** The parent of the oldest unit commit in {@code fromSnapshot}'s history: none if the first. */
  private static Optional<Long> beforeEveryUnitCommit(Table table, long fromSnapshot) {
    List<Snapshot> commits = unitCommits(table, fromSnapshot, null);
    return Optional.ofNullable(commits.get(commits.size() - 1).parentId());
  }
}
