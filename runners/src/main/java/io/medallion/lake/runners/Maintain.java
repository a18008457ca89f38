package io.medallion.lake.runners;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableMaintenance;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.iceberg.Table;

/**
 * Maintains the lake's Iceberg tables ({@link TableMaintenance}): expires old snapshots, compacts
 * partitions of small files, removes orphan files, and removes stale {@code _tmp/} staging folders.
 * Prints what it did; {@code --dryRun} prints what it would do and changes nothing.
 *
 * <pre>{@code
 * java -jar runners/target/lake.jar maintain --dryRun
 * java -jar runners/target/lake.jar maintain --table=silver_events --retainSnapshots=P30D --retainLast=10
 * }</pre>
 *
 * <p>Safe to run while promotions run: a compaction that races a promotion of the same partition is
 * skipped with a warning, and files younger than {@code --orphanAge} (at least an hour unless
 * {@code --force}) are never removed.
 */
public final class Maintain {
  private Maintain() {}

  public interface Options extends LakeOptions {
    @Description(
        "Only this table (silver_events, gold_events, gold_evt_quiz_completed, ...). Default:"
            + " every table, the typed ones included.")
    String getTable();

    void setTable(String value);

    @Description(
        "Expire snapshots committed longer ago than this ISO-8601 duration (P7D, PT12H); the"
            + " current snapshot and the last --retainLast are always kept.")
    @Default.String("P7D")
    String getRetainSnapshots();

    void setRetainSnapshots(String value);

    @Description("Snapshots always kept, the most recent ones (at least 1).")
    @Default.Integer(5)
    int getRetainLast();

    void setRetainLast(int value);

    @Description(
        "Remove unreferenced files (and _tmp run folders) older than this ISO-8601 duration; below"
            + " PT1H only with --force, as a running promotion's files are unreferenced until it"
            + " commits.")
    @Default.String("P3D")
    String getOrphanAge();

    void setOrphanAge(String value);

    @Description("Allow --orphanAge below PT1H: only when no promotion is running.")
    @Default.Boolean(false)
    boolean getForce();

    void setForce(boolean value);

    @Description("Compact a partition with more data files than this.")
    @Default.Integer(8)
    int getCompactMinFiles();

    void setCompactMinFiles(int value);

    @Description(
        "Compact a partition of two or more files smaller than this in all (MiB); compacted files"
            + " are about this size.")
    @Default.Integer(128)
    int getTargetFileSizeMb();

    void setTargetFileSizeMb(int value);

    @Description("List what would be done; change nothing.")
    @Default.Boolean(false)
    boolean getDryRun();

    void setDryRun(boolean value);
  }

  public static void run(String[] args, PrintStream out) throws Exception {
    CommandLine command = CommandLine.of(args, Map.of());
    if (!command.positional().isEmpty()) {
      throw new IllegalArgumentException(
          "unexpected argument '" + command.positional().get(0) + "'; use --table=<table>");
    }
    Options options = Lake.parse(command.options(), Options.class);
    Instant now = Instant.now();
    TableMaintenance.Settings settings =
        new TableMaintenance.Settings(
            now,
            duration("--retainSnapshots", options.getRetainSnapshots()),
            options.getRetainLast(),
            duration("--orphanAge", options.getOrphanAge()),
            options.getForce(),
            options.getCompactMinFiles(),
            mebibytes(options.getTargetFileSizeMb()),
            options.getDryRun(),
            "maintain-" + now.truncatedTo(ChronoUnit.SECONDS).toString().replace(":", ""));
    LakeLayout lake = Lakes.existing(options, options.getLake());
    String would = settings.dryRun() ? "would " : "";
    try (LakeCatalog catalog = LakeCatalog.open(Lakes.catalog(options, lake))) {
      List<LakeTable> tables =
          options.getTable() == null || options.getTable().isBlank()
              ? catalog.tables()
              : List.of(History.table(List.of(options.getTable().strip()), catalog.tables()));
      for (LakeTable definition : tables) {
        Optional<Table> table = catalog.existing(definition);
        if (table.isEmpty()) {
          out.println(definition + ": not created yet, nothing to do");
          continue;
        }
        print(TableMaintenance.maintain(definition, table.get(), settings), settings, out);
      }
    }
    TableMaintenance.StagingReport staging = TableMaintenance.cleanStaging(lake, settings);
    out.printf(
        Locale.ROOT,
        LakeLayout.STAGING
            + ": %sremove %d staging folder(s) (%d file(s), %s), keep %d younger than %s%n",
        would,
        staging.folders().size(),
        staging.files().size(),
        bytes(staging.files()),
        staging.youngFolders(),
        settings.orphanAge());
    if (settings.dryRun()) {
      staging.folders().forEach(f -> out.println("  " + f));
    }
  }

  private static void print(
      TableMaintenance.Report report, TableMaintenance.Settings settings, PrintStream out) {
    String would = settings.dryRun() ? "would " : "";
    out.printf(
        Locale.ROOT,
        "%s: %sexpire %d snapshot(s) and delete %d file(s) (%s); %scompact %d partition(s);"
            + " %sremove %d orphan file(s) (%s), keep %d younger than %s%n",
        report.table(),
        would,
        report.expiredSnapshots().size(),
        report.expiredFiles().size(),
        bytes(report.expiredFiles()),
        would,
        report.compactions().stream().filter(c -> c.skipped().isEmpty()).count(),
        would,
        report.orphans().size(),
        bytes(report.orphans()),
        report.youngOrphans(),
        settings.orphanAge());
    for (TableMaintenance.Compaction c : report.compactions()) {
      if (c.skipped().isEmpty()) {
        out.printf(
            Locale.ROOT,
            "  compact %s: %d file(s), %s -> %d file(s)%s, %,d rows%s%n",
            c.partition(),
            c.filesBefore(),
            bytes(c.bytesBefore()),
            c.filesAfter(),
            settings.dryRun() ? "" : ", " + bytes(c.bytesAfter()),
            c.records(),
            c.deleteFiles() == 0
                ? ""
                : String.format(
                    Locale.ROOT,
                    "; %d delete file(s) applied%s",
                    c.deleteFiles(),
                    settings.dryRun()
                        ? ""
                        : String.format(Locale.ROOT, ", %,d rows deleted", c.rowsDeleted())));
      }
    }
    if (settings.dryRun()) {
      report.expiredSnapshots().forEach(id -> out.println("  expire snapshot " + id));
      report.expiredFiles().forEach(f -> out.println("  delete " + f.location()));
      report.orphans().forEach(f -> out.println("  remove orphan " + f.location()));
    }
    report.warnings().forEach(w -> out.println("  warning: " + w));
  }

  static Duration duration(String option, String value) {
    try {
      Duration d = Duration.parse(value.strip().toUpperCase(Locale.ROOT));
      if (d.isNegative()) {
        throw new IllegalArgumentException(option + ": must not be negative, got " + value);
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option + ": '" + value + "' is not an ISO-8601 duration like P7D or PT12H");
    }
  }

  private static long mebibytes(int value) {
    if (value < 1) {
      throw new IllegalArgumentException("--targetFileSizeMb: must be at least 1, got " + value);
    }
    return value * 1024L * 1024L;
  }

  private static String bytes(List<TableMaintenance.RemovedFile> files) {
    return bytes(files.stream().mapToLong(TableMaintenance.RemovedFile::bytes).sum());
  }

  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
