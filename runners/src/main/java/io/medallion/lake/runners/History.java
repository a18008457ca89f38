package io.medallion.lake.runners;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableHistory;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * Lists a lake table's snapshots, oldest first: id (what {@code lake query --as-of} takes), commit
 * time (UTC), Iceberg operation, the promotion unit and run id, the promotion's counts, and
 * Iceberg's added and deleted records.
 *
 * <pre>{@code
 * java -jar runners/target/lake.jar history silver_events
 * java -jar runners/target/lake.jar history gold_events --format=json
 * java -jar runners/target/lake.jar history gold_evt_quiz_completed
 * }</pre>
 *
 * <p>Snapshot ids print as text in every format, so a JSON reader keeps all their digits. An
 * unknown table is a user mistake: one line naming the tables, exit status 2.
 */
public final class History {
  private History() {}

  public interface Options extends LakeOptions, ResultsOptions {}

  static final List<String> COLUMNS =
      List.of(
          "snapshot_id",
          "committed_at",
          "operation",
          "unit",
          "run_id",
          "read",
          "written",
          "quarantined",
          "duplicates_removed",
          "added_records",
          "deleted_records",
          "current");

  public static void run(String[] args, PrintStream out) throws Exception {
    CommandLine command = CommandLine.of(args, Map.of());
    Options options = Lake.parse(command.options(), Options.class);
    Results.Format format = Results.Format.of(options.getFormat());
    LakeLayout lake = Lakes.existing(options, options.getLake());
    List<List<Object>> rows = new ArrayList<>();
    try (LakeCatalog catalog = LakeCatalog.open(Lakes.catalog(options, lake))) {
      LakeTable table = table(command.positional(), catalog.tables());
      catalog
          .existing(table)
          .map(TableHistory::of)
          .orElse(List.of())
          .forEach(e -> rows.add(row(e)));
    }
    format.print(Results.of(COLUMNS, rows), options.getMaxWidth(), out);
  }

  /** The one table named on the command line, one of {@code tables} (the lake's). */
  static LakeTable table(List<String> positional, List<LakeTable> tables) {
    String names = tables.stream().map(LakeTable::tableName).collect(Collectors.joining(", "));
    if (positional.size() != 1) {
      throw new IllegalArgumentException("which table? lake history <table>, one of: " + names);
    }
    for (LakeTable table : tables) {
      if (table.tableName().equals(positional.get(0))) {
        return table;
      }
    }
    throw new IllegalArgumentException(
        "no lake table named '" + positional.get(0) + "'; tables: " + names);
  }

  private static List<Object> row(TableHistory.Entry e) {
    List<Object> row = new ArrayList<>();
    row.add(Long.toString(e.snapshotId()));
    row.add(e.committedAt().toString());
    row.add(e.operation());
    row.add(e.unit());
    row.add(e.runId());
    row.add(value(e.read()));
    row.add(value(e.written()));
    row.add(value(e.quarantined()));
    row.add(value(e.duplicatesRemoved()));
    row.add(value(e.addedRecords()));
    row.add(value(e.deletedRecords()));
    row.add(e.current());
    return row;
  }

  private static Long value(OptionalLong count) {
    return count.isPresent() ? count.getAsLong() : null;
  }
}
