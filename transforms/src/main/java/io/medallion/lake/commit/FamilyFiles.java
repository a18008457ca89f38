package io.medallion.lake.commit;

import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.PerTable;
import io.medallion.lake.table.TableAtStart;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.values.KV;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What a run commits to its dataset's family (gold's typed tables), unit by unit: each data file it
 * wrote for a member, described from its footer and given to the unit its partition holds; and,
 * with no file, each member that holds rows of a unit now, so the unit's commit replaces them too
 * (an event name that left a date leaves its table). A file that belongs to no unit, or to a member
 * the run did not settle, fails the run before anything is committed.
 */
final class FamilyFiles {
  /**
   * @param files per unit, each member it is committed to and that member's files (none: emptied)
   * @param startSnapshots each member's snapshot when the run started (null: it had none, or the
   *     run created it)
   */
  record Assigned(
      Map<CommitUnit, Map<LakeTable, List<DataFile>>> files, Map<LakeTable, Long> startSnapshots) {}

  private FamilyFiles() {}

  /**
   * @param atStart the family's members when the run started, by name
   * @param settled the members the run wrote files for, by name, as it settled them
   * @param written each file: its member's name, then its partition path and location
   */
  static Assigned assign(
      LakeCatalog catalog,
      List<CommitUnit> commits,
      Map<String, TableAtStart> atStart,
      Map<String, TableAtStart> settled,
      List<KV<String, KV<String, String>>> written) {
    Map<String, TableAtStart> all = new TreeMap<>(atStart);
    all.putAll(settled);
    Map<String, List<KV<String, String>>> byMember = new TreeMap<>();
    for (KV<String, KV<String, String>> file : written) {
      if (!all.containsKey(file.getKey())) {
        throw new IllegalStateException(
            "a file of " + file.getKey() + ", which the run did not settle: " + file);
      }
      byMember.computeIfAbsent(file.getKey(), t -> new ArrayList<>()).add(file.getValue());
    }
    Map<CommitUnit, Map<LakeTable, List<DataFile>>> files = new LinkedHashMap<>();
    commits.forEach(unit -> files.put(unit, new TreeMap<>()));

    // Each member's files described from their footers, a table at a time, several at once.
    List<String> names = new ArrayList<>(byMember.keySet());
    List<List<DataFile>> described =
        PerTable.map(
            names,
            name -> {
              Table table = catalog.table(all.get(name).table());
              List<DataFile> dataFiles = new ArrayList<>();
              for (KV<String, String> file : byMember.get(name)) {
                dataFiles.add(LakeCommitter.dataFile(table, file.getValue(), file.getKey()));
              }
              return dataFiles;
            });
    for (int i = 0; i < names.size(); i++) {
      LakeTable member = all.get(names.get(i)).table();
      Table table = catalog.table(member);
      for (DataFile file : described.get(i)) {
        CommitUnit owner =
            commits.stream()
                .filter(unit -> LakeCommitter.holdsOnly(table, unit.unit().rows(), file))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            member + " data file belongs to no unit: " + file.location()));
        files.get(owner).computeIfAbsent(member, t -> new ArrayList<>()).add(file);
      }
    }

    // A member with files for every unit is committed for each already; any other may hold rows
    // of a unit this run has none for.
    List<TableAtStart> known = new ArrayList<>(all.values());
    List<List<CommitUnit>> holding =
        PerTable.map(
            known,
            member ->
                files.values().stream().allMatch(f -> f.containsKey(member.table()))
                    ? List.of()
                    : unitsHoldingRows(catalog, commits, member));
    Map<LakeTable, Long> startSnapshots = new LinkedHashMap<>();
    for (int i = 0; i < known.size(); i++) {
      LakeTable member = known.get(i).table();
      for (CommitUnit unit : holding.get(i)) {
        files.get(unit).putIfAbsent(member, new ArrayList<>());
      }
      startSnapshots.put(member, known.get(i).snapshotId());
    }
    return new Assigned(files, startSnapshots);
  }

  /**
   * The units of {@code commits} that {@code member} holds rows of now, by its files' partitions.
   */
  private static List<CommitUnit> unitsHoldingRows(
      LakeCatalog catalog, List<CommitUnit> commits, TableAtStart member) {
    Table table = catalog.table(member.table());
    table.refresh();
    if (table.currentSnapshot() == null) {
      return List.of();
    }
    Expression any = Expressions.alwaysFalse();
    for (CommitUnit unit : commits) {
      any = Expressions.or(any, unit.unit().rows());
    }
    Set<CommitUnit> holding = new LinkedHashSet<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(any).planFiles()) {
      for (FileScanTask task : tasks) {
        for (CommitUnit unit : commits) {
          if (LakeCommitter.holdsOnly(table, unit.unit().rows(), task.file())) {
            holding.add(unit);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(holding);
  }
}
