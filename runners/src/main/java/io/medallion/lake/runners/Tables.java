package io.medallion.lake.runners;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.RowDeletes;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * Lists the lake's tables, as Athena and {@code lake query} name them: the fixed ones, then the
 * typed event tables the catalog holds ({@code gold_evt_<event name>}, one per event name gold has
 * promoted), each with its columns (nested ones not counted), its rows (rows another engine deleted
 * with row-level delete files not counted, {@link RowDeletes#liveRows}) and its location. A table
 * not created yet has no rows and no location.
 *
 * <pre>{@code
 * java -jar runners/target/lake.jar tables
 * java -jar runners/target/lake.jar tables --format=csv
 * }</pre>
 */
public final class Tables {
  private Tables() {}

  public interface Options extends LakeOptions, ResultsOptions {}

  static final List<String> COLUMNS = List.of("table", "columns", "rows", "location");

  public static void run(String[] args, PrintStream out) throws Exception {
    CommandLine command = CommandLine.of(args, Map.of());
    if (!command.positional().isEmpty()) {
      throw new IllegalArgumentException("tables takes no argument, got " + command.positional());
    }
    Options options = Lake.parse(command.options(), Options.class);
    Results.Format format = Results.Format.of(options.getFormat());
    LakeLayout lake = Lakes.existing(options, options.getLake());
    List<List<Object>> rows = new ArrayList<>();
    try (LakeCatalog catalog = LakeCatalog.open(Lakes.catalog(options, lake))) {
      for (LakeTable table : catalog.tables()) {
        rows.add(row(table, catalog.existing(table)));
      }
    }
    format.print(Results.of(COLUMNS, rows), options.getMaxWidth(), out);
  }

  private static List<Object> row(LakeTable definition, Optional<Table> table) {
    List<Object> row = new ArrayList<>();
    row.add(definition.tableName());
    row.add(
        table.map(t -> t.schema().columns().size()).orElse(definition.schema().columns().size()));
    Snapshot current = table.map(Table::currentSnapshot).orElse(null);
    row.add(current == null ? 0L : RowDeletes.liveRows(table.get(), current));
    row.add(table.map(Table::location).orElse(null));
    return row;
  }
}
