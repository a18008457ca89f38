package io.medallion.lake.commit;

import static io.medallion.lake.table.TableHistory.DUPLICATES_REMOVED;
import static io.medallion.lake.table.TableHistory.QUARANTINED;
import static io.medallion.lake.table.TableHistory.READ;
import static io.medallion.lake.table.TableHistory.RUN_ID;
import static io.medallion.lake.table.TableHistory.UNIT;
import static io.medallion.lake.table.TableHistory.WRITTEN;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogLockedException;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.PerTable;
import io.medallion.lake.table.RowDeletes;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.table.TableHistory;
import io.medallion.lake.write.ParquetFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
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
import org.apache.iceberg.util.SnapshotUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one commit engine of the lake: every promotion unit (an events hour, an events date, a
 * dropped file) is committed by {@link #commit}, whichever pipeline staged it. For a batch of units
 * it checks every unit before touching any (each reconciles: {@code read = written + quarantined +
 * duplicates_removed}; none would replace rows with nothing unless allowed), marks the downstream
 * units pending, then for each unit: replaces its rows in each table of its dataset with one atomic
 * Iceberg overwrite ({@link #overwrite}: the written files registered with their Parquet footer
 * metrics, the run id and counts in the snapshot summary), swaps its quarantine folder (the staged
 * files moved in, every other file of the folder deleted), writes its report last ({@link
 * Reports#write}, with the snapshot ids) and clears the pending marks it was run for.
 *
 * <p>A run that fails before this step leaves every table as it was (its data files, written but
 * never committed, are orphans for {@code lake maintain}). Each table commit is atomic: readers see
 * all the unit's old rows or all its new ones. A unit of two tables (a gold date) is two commits;
 * the second names the first table's snapshot in its summary ({@link
 * TableHistory#PAIRED_SNAPSHOT}), so readers that pin the pair ({@code PairedSnapshots}) see both
 * tables old or both new. Before its first commit the run marks each of its units in flight ({@link
 * PendingPromotions#markInFlight}) and clears the mark after the unit's report: a run that dies
 * anywhere between leaves the mark, and the dataset's next {@code --pending} run promotes the unit
 * again, replacing whatever the dead run had committed of it. A commit that finds another run
 * committed the same unit since this run started fails with a one-line message; a retried commit
 * step skips the units this run already committed (recognised by the run id and unit in the
 * snapshot summary).
 *
 * <p>Test hook, off by default: the system property {@value #TEST_STOP_AT} makes the engine stop at
 * a named point and wait there until its JVM is killed, so that a test can {@code kill -9} a
 * promotion at an exact point of its commit ({@code CrashConsistencyIT}). Unset, as in every
 * production run, nothing stops.
 */
public final class LakeCommitter {
  private static final Logger LOG = LoggerFactory.getLogger(LakeCommitter.class);

  /**
   * For tests only: the system property naming the point where the engine (in this JVM) logs {@code
   * "<property>: stopped at <point>"} and then waits forever. Points, in the order a unit passes
   * them: {@code before-commits} (every unit checked, the downstream and in-flight marks written,
   * nothing committed), {@code committed:<table>:<unit>} (after each table's commit of the unit,
   * e.g. {@code committed:gold_events:date=2026-01-02}), {@code committed:<unit>} (all its tables),
   * {@code quarantined:<unit>} (its quarantine folder swapped), {@code reported:<unit>} (its report
   * written, its marks not cleared yet).
   */
  public static final String TEST_STOP_AT = "lake.test.stopCommitAt";

  /** A unit that holds rows and that this run would replace with nothing; nothing was committed. */
  public static final class EmptiedUnitException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    EmptiedUnitException(String message) {
      super(message);
    }
  }

  /**
   * What a run staged for one unit.
   *
   * @param unit the unit
   * @param counts its counts: {@link Counts#READ}, {@link Counts#WRITTEN}, {@code
   *     quarantined.<reason>} and any others for the report; {@link Counts#QUARANTINED} is their
   *     sum, filled in here
   * @param dataFiles the Parquet files written for each of its tables ({@link #dataFile})
   * @param stagingRoot the folder its plain files were staged under
   * @param stagedFiles those files, relative to {@code stagingRoot}: the same path they get under
   *     the lake root, inside the unit's quarantine folder
   * @param members the tables of its dataset's family it replaces rows of (those it wrote files
   *     for, and those that hold rows of it), committed between the dataset's fixed tables
   */
  public record Staged(
      CommitUnit unit,
      Map<String, Long> counts,
      Map<LakeTable, List<DataFile>> dataFiles,
      String stagingRoot,
      List<String> stagedFiles,
      List<LakeTable> members) {
    /** A unit of fixed tables only. */
    public Staged(
        CommitUnit unit,
        Map<String, Long> counts,
        Map<LakeTable, List<DataFile>> dataFiles,
        String stagingRoot,
        List<String> stagedFiles) {
      this(unit, counts, dataFiles, stagingRoot, stagedFiles, List.of());
    }

    public Staged {
      Map<String, Long> all = new TreeMap<>(counts);
      all.put(
          Counts.QUARANTINED,
          counts.entrySet().stream()
              .filter(e -> e.getKey().startsWith(Counts.QUARANTINED + "."))
              .mapToLong(Map.Entry::getValue)
              .sum());
      counts = all;
      dataFiles = Map.copyOf(dataFiles);
      stagedFiles = List.copyOf(stagedFiles);
      members = List.copyOf(members);
    }

    /** Every table the unit is committed to, with its rows, in commit order. */
    Map<LakeTable, Expression> tables() {
      return unit.tables(members);
    }
  }

  private final LakeLayout lake;
  private final LakeCatalog catalog;
  private final String runId;
  private final boolean allowEmpty;
  private final PendingMarks marks;

  /**
   * @param allowEmpty whether a unit that holds rows may be replaced by a run that read nothing for
   *     it; by default the run is refused before anything is committed ({@link
   *     EmptiedUnitException})
   * @param marks the downstream units to mark pending before committing, or null
   */
  public LakeCommitter(
      LakeLayout lake, LakeCatalog catalog, String runId, boolean allowEmpty, PendingMarks marks) {
    this.lake = lake;
    this.catalog = catalog;
    this.runId = runId;
    this.allowEmpty = allowEmpty;
    this.marks = marks;
  }

  /**
   * Commits {@code units}, staged by this run against the tables' snapshots in {@code
   * startSnapshots} (null or absent for a table that had none). Returns the report of each unit.
   *
   * @throws IllegalStateException one line, when a unit does not reconcile, a data file or staged
   *     file belongs to no unit, or another run committed a unit since this run started
   * @throws EmptiedUnitException when a unit would be emptied; nothing is committed then
   * @throws CatalogLockedException when another process held the catalog locked for longer than its
   *     wait: names the units not committed and those this run had committed before
   */
  public List<String> commit(Map<LakeTable, Long> startSnapshots, List<Staged> units)
      throws IOException {
    Progress progress = new Progress();
    try {
      return commit(startSnapshots, units, progress);
    } catch (RuntimeException e) {
      if (!CatalogLockedException.causedBy(e)) {
        throw e;
      }
      LOG.warn("The catalog {} is locked by another process", catalog.settings().uri(), e);
      throw progress.locked(catalog.settings(), units);
    }
  }

  /**
   * How far a commit step got, for the message of a catalog locked in its middle: the units it
   * committed whole (their reports written), and the tables the next unit was committed to.
   */
  private static final class Progress {
    private int unitsDone;
    // Typed tables of a unit commit several at a time.
    private final List<String> tablesOfNextUnit = Collections.synchronizedList(new ArrayList<>());

    /** The unit committed to {@code table}: the commit of that table returned. */
    void committed(LakeTable table) {
      tablesOfNextUnit.add(table.tableName());
    }

    void unitDone() {
      unitsDone++;
      tablesOfNextUnit.clear();
    }

    CatalogLockedException locked(CatalogSettings settings, List<Staged> units) {
      List<String> committed = new ArrayList<>();
      List<String> done = new ArrayList<>();
      for (Staged staged : units.subList(0, unitsDone)) {
        done.add(staged.unit().name());
      }
      if (!done.isEmpty()) {
        committed.add(CatalogLockedException.describe(tables(units.get(0)), done));
      }
      List<String> notCommitted = new ArrayList<>();
      List<Staged> rest = units.subList(unitsDone, units.size());
      if (!tablesOfNextUnit.isEmpty()) {
        Staged next = rest.get(0);
        String unit = next.unit().name();
        committed.add(
            CatalogLockedException.describe(tablesOfNextUnit, List.of(unit))
                + " (its report not written)");
        List<String> others = new ArrayList<>(tables(next));
        others.removeAll(tablesOfNextUnit);
        if (!others.isEmpty()) {
          notCommitted.add(CatalogLockedException.describe(others, List.of(unit)));
        }
        rest = rest.subList(1, rest.size());
      }
      if (!rest.isEmpty()) {
        notCommitted.add(
            CatalogLockedException.describe(
                tables(rest.get(0)), rest.stream().map(s -> s.unit().name()).toList()));
      }
      if (notCommitted.isEmpty()) {
        // Every table committed; only the last unit's report is missing.
        notCommitted.add("the report of " + units.get(units.size() - 1).unit().name());
      }
      return CatalogLockedException.partlyCommitted(
          settings, String.join("; ", notCommitted), committed);
    }

    private static List<String> tables(Staged staged) {
      return staged.unit().tables().keySet().stream().map(LakeTable::tableName).toList();
    }
  }

  private List<String> commit(
      Map<LakeTable, Long> startSnapshots, List<Staged> units, Progress progress)
      throws IOException {
    // Check every unit before touching any, so that a run that does not add up commits nothing.
    for (Staged staged : units) {
      checkReconciles(staged.unit().toString(), staged.counts());
      checkFamilyReconciles(staged);
      for (Map.Entry<LakeTable, Expression> e : staged.tables().entrySet()) {
        if (!staged.unit().emptiable()) {
          checkNotEmptied(
              catalog.table(e.getKey()), e.getValue(), staged.unit().name(), staged.counts());
        }
      }
    }
    markPending(units);
    Map<CommitUnit, String> inFlight = new LinkedHashMap<>();
    for (Staged staged : units) {
      CommitUnit unit = staged.unit();
      inFlight.put(unit, PendingPromotions.markInFlight(lake, unit.dataset(), unit.name(), runId));
    }
    stopHereIfAsked("before-commits");

    List<String> reports = new ArrayList<>();
    for (Staged staged : units) {
      CommitUnit unit = staged.unit();
      Map<String, Long> snapshots = new LinkedHashMap<>();
      List<String> files = new ArrayList<>();
      Map<String, String> summary = new LinkedHashMap<>();
      if (marks != null) {
        summary.put(TableHistory.MARKED, String.join(",", marks.unitsFor(staged.counts())));
      }
      // The tables in commit order, the family's members (between the fixed tables) committed
      // several at a time: each is a table of its own, and the last fixed table names them all.
      Optional<TableFamily> family = unit.dataset().family();
      List<LakeTable> batch = new ArrayList<>();
      for (Map.Entry<LakeTable, Expression> e : staged.tables().entrySet()) {
        if (family.isPresent() && family.get().isMember(e.getKey().tableName())) {
          batch.add(e.getKey());
          continue;
        }
        if (!batch.isEmpty()) {
          Map<String, String> before = Map.copyOf(summary);
          List<Map.Entry<Long, Long>> done =
              PerTable.map(
                  batch,
                  member ->
                      commitTable(
                          member,
                          staged.tables().get(member),
                          staged,
                          startSnapshots,
                          before,
                          progress));
          for (int i = 0; i < batch.size(); i++) {
            record(batch.get(i), done.get(i), staged, snapshots, files, summary);
          }
          batch.clear();
        }
        Map.Entry<Long, Long> done =
            commitTable(e.getKey(), e.getValue(), staged, startSnapshots, summary, progress);
        record(e.getKey(), done, staged, snapshots, files, summary);
      }
      stopHereIfAsked("committed:" + unit.name());
      List<String> quarantine = new ArrayList<>(staged.stagedFiles());
      quarantine.sort(Comparator.naturalOrder());
      replaceFiles(unit, staged.stagingRoot(), quarantine);
      files.addAll(quarantine);
      stopHereIfAsked("quarantined:" + unit.name());

      Map<String, Object> attributes = new LinkedHashMap<>(new TreeMap<>(unit.attributes()));
      attributes.put("snapshots", snapshots);
      String report = Reports.write(lake, runId, unit.unit(), staged.counts(), attributes, files);
      // The family's tables are many (one per event name): the report lists their snapshots.
      Map<String, Long> fixedSnapshots = new LinkedHashMap<>(snapshots);
      staged.members().forEach(m -> fixedSnapshots.remove(m.tableName()));
      LOG.info(
          "Committed {}: snapshots {}{}, {} file(s), report {}",
          unit,
          fixedSnapshots,
          staged.members().isEmpty()
              ? ""
              : " and " + staged.members().size() + " of " + family.orElseThrow(),
          files.size(),
          report);
      stopHereIfAsked("reported:" + unit.name());
      progress.unitDone();
      List<String> marks = new ArrayList<>(unit.clearsPending());
      marks.add(inFlight.get(unit));
      PendingPromotions.clear(marks);
      cleanUpStaging(staged.stagingRoot());
      reports.add(report);
    }
    return reports;
  }

  /**
   * Replaces the unit's rows of {@code table} ({@link #overwrite}), with {@code summary} in the
   * snapshot summary; stops there when the test hook asks. Returns the unit's snapshot, and the
   * table's current snapshot just after it (the one a later table's commit names: the unit's rows
   * and any later commit of another unit, whose own pair is then behind it).
   */
  private Map.Entry<Long, Long> commitTable(
      LakeTable table,
      Expression rows,
      Staged staged,
      Map<LakeTable, Long> startSnapshots,
      Map<String, String> summary,
      Progress progress) {
    long snapshot =
        overwrite(
            catalog.table(table),
            startSnapshots.get(table),
            rows,
            staged.dataFiles().getOrDefault(table, List.of()),
            runId,
            staged.unit().name(),
            staged.counts(),
            summary,
            () -> progress.committed(table));
    stopHereIfAsked("committed:" + table.tableName() + ":" + staged.unit().name());
    Table committed = catalog.table(table);
    committed.refresh();
    return Map.entry(snapshot, committed.currentSnapshot().snapshotId());
  }

  /** Notes a table's commit of a unit: its snapshot and files, and its name for later tables. */
  private void record(
      LakeTable table,
      Map.Entry<Long, Long> done,
      Staged staged,
      Map<String, Long> snapshots,
      List<String> files,
      Map<String, String> summary) {
    snapshots.put(table.tableName(), done.getKey());
    staged.dataFiles().getOrDefault(table, List.of()).stream()
        .map(f -> lake.relativize(f.location()))
        .sorted()
        .forEach(files::add);
    summary.put(TableHistory.PAIRED_SNAPSHOT + table.tableName(), String.valueOf(done.getValue()));
  }

  /**
   * Marks the downstream units this run's rows may change, before any commit: a run that dies after
   * marking costs one re-promotion; one that committed without marking would lose rows.
   */
  private void markPending(List<Staged> units) throws IOException {
    if (marks == null) {
      return;
    }
    Map<String, List<String>> added = new TreeMap<>();
    Map<String, List<String>> removed = new TreeMap<>();
    for (Staged staged : units) {
      for (String downstream : marks.unitsFor(staged.counts())) {
        added.computeIfAbsent(downstream, u -> new ArrayList<>()).add(staged.unit().toString());
      }
      // The rows this commit replaces leave the units they were marked in: a unit emptied on
      // purpose, or a bronze file gone, changes those too.
      for (String downstream : markedByLastCommitOf(staged.unit())) {
        removed.computeIfAbsent(downstream, u -> new ArrayList<>()).add(staged.unit().toString());
      }
    }
    marks.mark(lake, runId, added, removed);
  }

  /**
   * The downstream units the unit's current rows were marked in: as the snapshot that last
   * committed the unit says ({@link TableHistory#MARKED}), or else as its report's counts give them
   * (rows committed before the summary said so).
   */
  private Set<String> markedByLastCommitOf(CommitUnit unit) throws IOException {
    Set<String> units = new TreeSet<>();
    for (LakeTable lakeTable : unit.dataset().tables()) {
      Table table = catalog.table(lakeTable);
      table.refresh();
      Optional<Snapshot> last = lastCommitOf(table, unit.name());
      if (last.isPresent() && last.get().summary().containsKey(TableHistory.MARKED)) {
        for (String marked : last.get().summary().get(TableHistory.MARKED).split(",")) {
          if (!marked.isBlank()) {
            units.add(marked);
          }
        }
        continue;
      }
      if (last.isPresent()) {
        Optional<JsonNode> report = Reports.read(lake, unit.dataset(), unit.name());
        if (report.isPresent()) {
          Map<String, Long> counts = new TreeMap<>();
          report
              .get()
              .path("counts")
              .fields()
              .forEachRemaining(f -> counts.put(f.getKey(), f.getValue().asLong()));
          units.addAll(marks.unitsFor(counts));
        }
      }
    }
    return units;
  }

  /** The newest snapshot of the table's current history that committed {@code unit}. */
  private static Optional<Snapshot> lastCommitOf(Table table, String unit) {
    if (table.currentSnapshot() == null) {
      return Optional.empty();
    }
    for (Snapshot snapshot : SnapshotUtil.currentAncestors(table)) {
      if (unit.equals(snapshot.summary().get(UNIT))) {
        return Optional.of(snapshot);
      }
    }
    return Optional.empty();
  }

  /** The test hook {@link #TEST_STOP_AT}: when it names {@code point}, waits here for good. */
  private static void stopHereIfAsked(String point) {
    if (!point.equals(System.getProperty(TEST_STOP_AT))) {
      return;
    }
    LOG.warn("{}: stopped at {}", TEST_STOP_AT, point);
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(TEST_STOP_AT + ": interrupted at " + point, e);
    }
  }

  /** Moves the unit's staged files in, then deletes every other file its folder held. */
  private void replaceFiles(CommitUnit unit, String stagingRoot, List<String> newFiles)
      throws IOException {
    Set<String> kept = new HashSet<>(moveIntoLake(stagingRoot, newFiles));
    List<ResourceId> old = new ArrayList<>();
    for (String directory : unit.directories()) {
      for (ResourceId file : filesIn(directory)) {
        if (!kept.contains(file.toString())) {
          old.add(file);
        }
      }
    }
    FileSystems.delete(old, StandardMoveOptions.IGNORE_MISSING_FILES);
  }

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
              Locale.ROOT,
              "%s does not reconcile: read %d, but written + quarantined + duplicates"
                  + " removed = %d (%s); nothing was committed",
              unit,
              read,
              accounted,
              counts));
    }
  }

  /**
   * Throws unless a unit of a dataset with a {@link TableFamily} wrote each of its rows to the
   * family or quarantined it from the family ({@code written = typed.written +
   * typed.quarantined.*}), and its members' files hold exactly the rows counted as written to them.
   */
  private static void checkFamilyReconciles(Staged staged) {
    Optional<TableFamily> family = staged.unit().dataset().family();
    if (family.isEmpty()) {
      return;
    }
    Map<String, Long> counts = staged.counts();
    long written = counts.getOrDefault(Counts.WRITTEN, 0L);
    long toMembers = counts.getOrDefault(family.get().writtenCounter(), 0L);
    String quarantinedPrefix = family.get().quarantinedCounter("");
    long quarantined =
        counts.entrySet().stream()
            .filter(e -> e.getKey().startsWith(quarantinedPrefix))
            .mapToLong(Map.Entry::getValue)
            .sum();
    long inFiles =
        staged.members().stream()
            .flatMap(m -> staged.dataFiles().getOrDefault(m, List.of()).stream())
            .mapToLong(DataFile::recordCount)
            .sum();
    if (written != toMembers + quarantined || toMembers != inFiles) {
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "%s does not reconcile with its %s tables: written %d, to them %d + quarantined from"
                  + " them %d, rows in their files %d; nothing was committed",
              staged.unit(),
              family.get(),
              written,
              toMembers,
              quarantined,
              inFiles));
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
        .withMetrics(ParquetFiles.metrics(in, MetricsConfig.forTable(table)))
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
    return committedSince(
        table,
        sinceSnapshotId,
        summary -> runId.equals(summary.get(RUN_ID)) && unit.equals(summary.get(UNIT)));
  }

  /**
   * The newest snapshot of {@code table}'s current history after {@code sinceSnapshotId}
   * (exclusive; null for the whole history) whose summary {@code matches}, if any.
   */
  static Optional<Long> committedSince(
      Table table, Long sinceSnapshotId, Predicate<Map<String, String>> matches) {
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      return Optional.empty();
    }
    for (Snapshot snapshot :
        SnapshotUtil.ancestorsBetween(table, current.snapshotId(), sinceSnapshotId)) {
      if (matches.test(snapshot.summary())) {
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
    return overwrite(
        table, startSnapshotId, unitFilter, files, runId, unit, counts, Map.of(), () -> {});
  }

  /**
   * {@link #overwrite(Table, Long, Expression, List, String, String, Map)} with {@code summary} in
   * the snapshot summary too ({@link TableHistory#PAIRED_SNAPSHOT} keys), calling {@code
   * onCommitted} as soon as the table holds the unit's rows: what follows (reading the table back)
   * may still fail, the commit stands.
   */
  private static long overwrite(
      Table table,
      Long startSnapshotId,
      Expression unitFilter,
      List<DataFile> files,
      String runId,
      String unit,
      Map<String, Long> counts,
      Map<String, String> summary,
      Runnable onCommitted) {
    table.refresh();
    Optional<Long> done = committedBy(table, runId, unit, startSnapshotId);
    if (done.isPresent()) {
      onCommitted.run();
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
    summary.forEach(overwrite::set);
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
    onCommitted.run();
    table.refresh();
    return committedBy(table, runId, unit, startSnapshotId)
        .orElseThrow(() -> new IllegalStateException(table.name() + " lost the commit of " + unit));
  }

  /**
   * Refuses to replace a unit that holds rows in {@code table} with the nothing this run read for
   * it (its input not delivered yet, archived or deleted, or a typo in a range), unless the run
   * allows it.
   */
  private void checkNotEmptied(
      Table table, Expression unitFilter, String unit, Map<String, Long> counts) {
    if (allowEmpty || counts.getOrDefault(Counts.READ, 0L) > 0) {
      return;
    }
    long rows = rowsIn(table, unitFilter);
    if (rows > 0) {
      throw new EmptiedUnitException(
          tableName(table)
              + " "
              + unit
              + " holds "
              + rows
              + " rows and this run read nothing for it (is its input there?); nothing was"
              + " committed; pass --allowEmpty to replace it with nothing");
    }
  }

  /**
   * The rows {@code table} holds now in the files that {@code filter} selects, rows deleted by
   * row-level delete files not counted ({@link RowDeletes#liveRows}).
   */
  public static long rowsIn(Table table, Expression filter) {
    table.refresh();
    if (table.currentSnapshot() == null) {
      return 0;
    }
    long rows = 0;
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        rows += RowDeletes.liveRows(table, task);
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
  private List<String> moveIntoLake(String stagingRoot, List<String> relativeFiles)
      throws IOException {
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
  private List<ResourceId> filesIn(String directory) throws IOException {
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

  /**
   * Object stores have no folders; a local staging tree leaves empty ones behind, up to the run's
   * own {@code _tmp/<run>} folder, which the last unit out removes.
   */
  private void cleanUpStaging(String stagingRoot) throws IOException {
    if (!lake.isLocal()) {
      return;
    }
    Path root = Paths.get(stagingRoot);
    if (Files.exists(root)) {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          deleteIfEmptyFolder(p);
        }
      }
    }
    Path runFolder = Paths.get(lake.staging(runId));
    for (Path p = root.getParent(); p != null && p.startsWith(runFolder); p = p.getParent()) {
      deleteIfEmptyFolder(p);
    }
  }

  private static void deleteIfEmptyFolder(Path p) throws IOException {
    if (!Files.isDirectory(p)) {
      return;
    }
    try (Stream<Path> children = Files.list(p)) {
      if (children.findAny().isPresent()) {
        return;
      }
    }
    try {
      Files.deleteIfExists(p);
    } catch (DirectoryNotEmptyException e) {
      // another unit of this run is staging into it
    }
  }
}
