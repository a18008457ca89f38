package io.medallion.lake.runners;

import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.PairedSnapshots;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.Table;

/**
 * What the lake owes: every unit that a promotion must still commit, and why, and the command that
 * repairs it (the scheduled {@code --pending} runs do so by themselves). One row per unit and
 * reason:
 *
 * <ul>
 *   <li>{@code in_flight}: a run marked the unit before its first commit and has not cleared the
 *       mark after its report: it runs now, or it died (killed, out of memory) somewhere between.
 *   <li>{@code unpaired}: the unit is committed to a dataset's earlier table and not to its last (a
 *       gold date in {@code gold_events} or a typed table and not in {@code gold_event_stats}), one
 *       row per table; {@code lake query} reads the tables without it meanwhile, Athena reads the
 *       earlier table with it.
 *   <li>{@code rows_changed}: an upstream promotion changed the rows the unit is computed from (a
 *       silver hour, for the gold dates its rows were created on).
 * </ul>
 *
 * <pre>{@code
 * java -jar runners/target/lake.jar status
 * java -jar runners/target/lake.jar status --format=json
 * }</pre>
 */
public final class Status {
  private Status() {}

  public interface Options extends LakeOptions, ResultsOptions {}

  static final List<String> COLUMNS = List.of("dataset", "unit", "state", "run_id", "repair");

  public static void run(String[] args, PrintStream out) throws Exception {
    CommandLine command = CommandLine.of(args, Map.of());
    if (!command.positional().isEmpty()) {
      throw new IllegalArgumentException("status takes no argument, got " + command.positional());
    }
    Options options = Lake.parse(command.options(), Options.class);
    Results.Format format = Results.Format.of(options.getFormat());
    LakeLayout lake = Lakes.existing(options, options.getLake());
    List<List<Object>> rows = new ArrayList<>();
    try (LakeCatalog catalog = LakeCatalog.open(Lakes.catalog(options, lake))) {
      rows.addAll(rows(lake, catalog));
    }
    if (rows.isEmpty() && format == Results.Format.TABLE) {
      out.println(
          "nothing pending: every unit committed and reported, every dataset's tables agree");
      return;
    }
    format.print(Results.of(COLUMNS, rows), options.getMaxWidth(), out);
  }

  /** The status rows of {@code lake}, dataset by dataset, units in order. */
  static List<List<Object>> rows(LakeLayout lake, LakeCatalog catalog) throws IOException {
    List<List<Object>> rows = new ArrayList<>();
    Map<LakeTable, Table> tables = new LinkedHashMap<>();
    for (LakeTable table : catalog.tables()) {
      catalog.existing(table).ifPresent(t -> tables.put(table, t));
    }
    List<PairedSnapshots.Unpaired> unpaired = PairedSnapshots.unpaired(tables);
    for (Dataset dataset : Dataset.values()) {
      for (Map.Entry<String, List<String>> e : PendingPromotions.list(lake, dataset).entrySet()) {
        String unit = e.getKey();
        TreeSet<String> inFlightRuns = new TreeSet<>();
        int changes = 0;
        for (String marker : e.getValue()) {
          if (PendingPromotions.isInFlight(marker)) {
            String name = marker.substring(marker.lastIndexOf('/') + 1);
            inFlightRuns.add(name.substring("in-flight-".length(), name.length() - 5));
          } else {
            changes++;
          }
        }
        for (String run : inFlightRuns) {
          rows.add(List.of(dataset.label(), unit, "in_flight", run, repair(dataset, unit)));
        }
        if (changes > 0) {
          boolean promoted = Reports.read(lake, dataset, unit).isPresent();
          rows.add(
              List.of(
                  dataset.label(),
                  unit,
                  "rows_changed",
                  "",
                  promoted
                      ? repair(dataset, unit)
                      : "its first promotion (never promoted: --pending leaves it)"));
        }
      }
      // One row per unit and run, however many of the dataset's tables it reached.
      Set<List<Object>> unpairedRows = new LinkedHashSet<>();
      for (PairedSnapshots.Unpaired u : unpaired) {
        if (dataset.holds(u.table())) {
          unpairedRows.add(
              List.of(
                  dataset.label(),
                  u.unit(),
                  "unpaired",
                  u.runId() == null ? "" : u.runId(),
                  repair(dataset, u.unit())));
        }
      }
      rows.addAll(unpairedRows);
    }
    return rows;
  }

  /** The command that promotes {@code unit} again. */
  private static String repair(Dataset dataset, String unit) {
    if (dataset.equals(Dataset.SILVER_EVENTS)) {
      return "lake silver --pending";
    }
    if (dataset.equals(Dataset.GOLD_EVENTS)) {
      return "lake gold --pending";
    }
    if (dataset.isFileDrop()) {
      return "promote the file again (lake uber-movements --input=<it>)";
    }
    return "promote " + unit + " again";
  }
}
