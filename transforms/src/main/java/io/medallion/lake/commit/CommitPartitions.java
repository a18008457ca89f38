package io.medallion.lake.commit;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.write.WriteTableFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a promotion: once every data file is written and every record counted, checks
 * that each unit reconciles ({@code read = written + quarantined + duplicates_removed}) and that
 * every count and every file belongs to a unit, then for each {@link PartitionCommit}: replaces the
 * unit's rows in each of its Iceberg tables with one atomic overwrite ({@link
 * LakeCommits#overwrite}: the written files registered with their footer metrics, the run id and
 * counts in the snapshot summary), moves its staged quarantine files in (deleting the ones they
 * replace), and writes its report under {@code _reports/} last, with the snapshot ids.
 *
 * <p>A run that fails before this step leaves every table as it was (its data files, written but
 * never committed, are orphans for {@code lake maintain}). Each table commit is atomic: readers see
 * all the unit's old rows or all its new ones. A unit of two tables (a gold date) is two commits. A
 * run that dies after a unit's commit and before its report leaves the new rows in the table and
 * the previous report; running it again commits the same rows again. A commit that finds another
 * run committed the same unit since this run started fails with a one-line message; a retried
 * commit step skips the units this run already committed.
 *
 * <p>Test hook, off by default: the system property {@value #TEST_STOP_AT} makes the commit step
 * stop at a named point and wait there until its JVM is killed, so that a test can {@code kill -9}
 * a promotion at an exact point of its commit ({@code CrashConsistencyIT}). Unset, as in every
 * production run, nothing stops.
 */
public final class CommitPartitions extends PTransform<PBegin, PCollection<String>> {
  private static final Logger LOG = LoggerFactory.getLogger(CommitPartitions.class);

  /**
   * For tests only: the system property naming the point where the commit step (in this JVM) logs
   * {@code "<property>: stopped at <point>"} and then waits forever. Points: {@code before-commits}
   * (every unit checked and the pending marks written, nothing committed) and {@code
   * committed:<partition>} (that unit's tables committed, e.g. {@code
   * committed:dt=2026-01-02/hour=03}; its quarantine and report not replaced yet).
   */
  public static final String TEST_STOP_AT = "lake.test.stopCommitAt";

  private final LakeLayout lake;
  private final CatalogSettings catalog;
  private final String runId;
  private final List<PartitionCommit> commits;
  private final Map<LakeTable, TableAtStart> tables;
  private final Map<LakeTable, PCollection<KV<String, String>>> dataFiles;
  private final PCollection<KV<String, String>> stagedFiles;
  private final PCollection<KV<String, Long>> counts;
  private final boolean allowEmpty;
  private final PendingMarks marks;

  private CommitPartitions(
      LakeLayout lake,
      CatalogSettings catalog,
      String runId,
      List<PartitionCommit> commits,
      Map<LakeTable, TableAtStart> tables,
      Map<LakeTable, PCollection<KV<String, String>>> dataFiles,
      PCollection<KV<String, String>> stagedFiles,
      PCollection<KV<String, Long>> counts,
      boolean allowEmpty,
      PendingMarks marks) {
    this.lake = lake;
    this.catalog = catalog;
    this.runId = runId;
    this.commits = commits;
    this.tables = tables;
    this.dataFiles = dataFiles;
    this.stagedFiles = stagedFiles;
    this.counts = counts;
    this.allowEmpty = allowEmpty;
    this.marks = marks;
  }

  /**
   * Commits {@code commits} of run {@code runId} into the tables of {@code catalog}, with the
   * {@link Counts} in {@code counts}. Add each table's written files with {@link #withDataFiles}
   * and the staged plain files with {@link #withStagedFiles}.
   */
  public static CommitPartitions of(
      LakeLayout lake,
      CatalogSettings catalog,
      String runId,
      List<PartitionCommit> commits,
      PCollection<KV<String, Long>> counts) {
    return new CommitPartitions(
        lake,
        catalog,
        runId,
        List.copyOf(commits),
        new EnumMap<>(LakeTable.class),
        new EnumMap<>(LakeTable.class),
        null,
        counts,
        false,
        null);
  }

  /**
   * The data files written for {@code table} ({@link WriteTableFiles}: partition path → file),
   * committed against the table as it was when the run started.
   */
  public CommitPartitions withDataFiles(TableAtStart table, PCollection<KV<String, String>> files) {
    Map<LakeTable, TableAtStart> t = new EnumMap<>(tables);
    t.put(table.table(), table);
    Map<LakeTable, PCollection<KV<String, String>>> f = new EnumMap<>(dataFiles);
    f.put(table.table(), files);
    return new CommitPartitions(
        lake, catalog, runId, commits, t, f, stagedFiles, counts, allowEmpty, marks);
  }

  /** Files staged under {@code _tmp/<run>/} (any key, the staged path as value), moved in. */
  public CommitPartitions withStagedFiles(PCollection<KV<String, String>> files) {
    return new CommitPartitions(
        lake, catalog, runId, commits, tables, dataFiles, files, counts, allowEmpty, marks);
  }

  /**
   * Whether a unit that holds rows may be replaced by a run that read nothing for it; by default
   * such a run fails before committing anything ({@link LakeCommits#checkNotEmptied}).
   */
  public CommitPartitions allowingEmpty(boolean allow) {
    return new CommitPartitions(
        lake, catalog, runId, commits, tables, dataFiles, stagedFiles, counts, allow, marks);
  }

  /** Marks the downstream units {@code pending} names as pending before anything is committed. */
  public CommitPartitions markingPending(PendingMarks pending) {
    return new CommitPartitions(
        lake, catalog, runId, commits, tables, dataFiles, stagedFiles, counts, allowEmpty, pending);
  }

  @Override
  public PCollection<String> expand(PBegin begin) {
    List<PCollectionView<?>> sideInputs = new ArrayList<>();
    Map<LakeTable, PCollectionView<List<KV<String, String>>>> dataViews =
        new EnumMap<>(LakeTable.class);
    for (Map.Entry<LakeTable, PCollection<KV<String, String>>> e : dataFiles.entrySet()) {
      PCollectionView<List<KV<String, String>>> view =
          e.getValue().apply("DataFilesOf_" + e.getKey().tableName(), View.asList());
      dataViews.put(e.getKey(), view);
      sideInputs.add(view);
    }
    PCollectionView<List<String>> staged =
        stagedFiles == null
            ? begin
                .apply("NoStagedFiles", Create.empty(TypeDescriptors.strings()))
                .apply("AsList", View.asList())
            : stagedFiles.apply("StagedPaths", Values.create()).apply("AsList", View.asList());
    sideInputs.add(staged);
    PCollectionView<Map<String, Long>> totals =
        counts.apply("SumCounts", Sum.longsPerKey()).apply("AsMap", View.asMap());
    sideInputs.add(totals);
    return begin
        .apply("Once", Create.of(runId))
        .apply(
            "Commit",
            ParDo.of(
                    new CommitFn(
                        lake,
                        catalog,
                        runId,
                        commits,
                        tables,
                        dataViews,
                        staged,
                        totals,
                        allowEmpty,
                        marks))
                .withSideInputs(sideInputs))
        .setTypeDescriptor(TypeDescriptors.strings());
  }

  static final class CommitFn extends DoFn<String, String> {
    private final LakeLayout lake;
    private final CatalogSettings catalogSettings;
    private final String runId;
    private final List<PartitionCommit> commits;
    private final Map<LakeTable, TableAtStart> tables;
    private final Map<LakeTable, PCollectionView<List<KV<String, String>>>> dataViews;
    private final PCollectionView<List<String>> stagedView;
    private final PCollectionView<Map<String, Long>> countsView;
    private final boolean allowEmpty;
    private final PendingMarks marks;
    private transient LakeCatalog catalog;

    CommitFn(
        LakeLayout lake,
        CatalogSettings catalogSettings,
        String runId,
        List<PartitionCommit> commits,
        Map<LakeTable, TableAtStart> tables,
        Map<LakeTable, PCollectionView<List<KV<String, String>>>> dataViews,
        PCollectionView<List<String>> stagedView,
        PCollectionView<Map<String, Long>> countsView,
        boolean allowEmpty,
        PendingMarks marks) {
      this.lake = lake;
      this.catalogSettings = catalogSettings;
      this.runId = runId;
      this.commits = commits;
      this.tables = new EnumMap<>(tables);
      this.dataViews = new EnumMap<>(dataViews);
      this.stagedView = stagedView;
      this.countsView = countsView;
      this.allowEmpty = allowEmpty;
      this.marks = marks;
    }

    @Setup
    public void setup() {
      catalog = LakeCatalog.open(catalogSettings);
    }

    @Teardown
    public void teardown() throws IOException {
      if (catalog != null) {
        catalog.close();
      }
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      Map<String, Long> counts = c.sideInput(countsView);
      String stagingRoot = lake.staging(runId);

      Map<PartitionCommit, Map<String, Long>> countsByCommit = new LinkedHashMap<>();
      Map<PartitionCommit, List<String>> stagedByCommit = new LinkedHashMap<>();
      Map<PartitionCommit, Map<LakeTable, List<DataFile>>> filesByCommit = new LinkedHashMap<>();
      for (PartitionCommit commit : commits) {
        countsByCommit.put(commit, countsOf(commit, counts));
        stagedByCommit.put(commit, new ArrayList<>());
        Map<LakeTable, List<DataFile>> byTable = new EnumMap<>(LakeTable.class);
        commit.tables().keySet().forEach(t -> byTable.put(t, new ArrayList<>()));
        filesByCommit.put(commit, byTable);
      }
      checkEveryCountHasAUnit(counts.keySet());

      for (Map.Entry<LakeTable, PCollectionView<List<KV<String, String>>>> e :
          dataViews.entrySet()) {
        Table table = catalog.table(e.getKey());
        for (KV<String, String> written : c.sideInput(e.getValue())) {
          DataFile file = LakeCommits.dataFile(table, written.getValue(), written.getKey());
          PartitionCommit owner =
              commits.stream()
                  .filter(commit -> commit.tables().containsKey(e.getKey()))
                  .filter(
                      commit -> LakeCommits.holdsOnly(table, commit.tables().get(e.getKey()), file))
                  .findFirst()
                  .orElseThrow(
                      () ->
                          new IllegalStateException(
                              e.getKey() + " data file belongs to no unit: " + file.location()));
          filesByCommit.get(owner).get(e.getKey()).add(file);
        }
      }
      for (String file : c.sideInput(stagedView)) {
        String relative = relativeTo(stagingRoot, file);
        PartitionCommit owner =
            commits.stream()
                .filter(commit -> owns(commit, relative))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalStateException("staged file belongs to no partition: " + file));
        stagedByCommit.get(owner).add(relative);
      }

      // Check every unit before touching any, so that a run that does not add up commits nothing.
      for (PartitionCommit commit : commits) {
        LakeCommits.checkReconciles(
            commit.layer() + "/" + commit.dataset() + " " + commit.partition(),
            countsByCommit.get(commit));
        for (LakeTable lakeTable : new TreeSet<>(commit.tables().keySet())) {
          LakeCommits.checkNotEmptied(
              catalog.table(lakeTable),
              commit.tables().get(lakeTable),
              commit.partition(),
              countsByCommit.get(commit),
              allowEmpty);
        }
      }
      markPending(countsByCommit);
      stopHereIfAsked("before-commits");

      for (PartitionCommit commit : commits) {
        Map<String, Long> unitCounts = countsByCommit.get(commit);
        Map<String, Long> snapshots = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        for (LakeTable lakeTable : new TreeSet<>(commit.tables().keySet())) {
          TableAtStart atStart = tables.get(lakeTable);
          if (atStart == null) {
            throw new IllegalStateException(
                commit.partition() + " replaces rows of " + lakeTable + ", which has no files");
          }
          List<DataFile> dataFiles = filesByCommit.get(commit).get(lakeTable);
          long snapshot =
              LakeCommits.overwrite(
                  catalog.table(lakeTable),
                  atStart.snapshotId(),
                  commit.tables().get(lakeTable),
                  dataFiles,
                  runId,
                  commit.partition(),
                  unitCounts);
          snapshots.put(lakeTable.tableName(), snapshot);
          dataFiles.stream().map(f -> lake.relativize(f.location())).sorted().forEach(files::add);
        }
        stopHereIfAsked("committed:" + commit.partition());
        List<String> staged = stagedByCommit.get(commit);
        staged.sort(Comparator.naturalOrder());
        replaceFiles(commit, staged);
        files.addAll(staged);

        Map<String, Object> attributes = new LinkedHashMap<>(new TreeMap<>(commit.attributes()));
        attributes.put("snapshots", snapshots);
        String report =
            LakeCommits.writeReport(
                lake,
                runId,
                commit.layer(),
                commit.dataset(),
                commit.partition(),
                unitCounts,
                attributes,
                files);
        LOG.info(
            "Committed {}/{} {}: snapshots {}, {} file(s), report {}",
            commit.layer(),
            commit.dataset(),
            commit.partition(),
            snapshots,
            files.size(),
            report);
        PendingPromotions.clear(commit.clearsPending());
        c.output(report);
      }
      LakeCommits.cleanUpStaging(lake, stagingRoot);
    }

    /**
     * Marks the downstream units this run's rows may change, before any commit: a run that dies
     * after marking costs one re-promotion; one that committed without marking would lose rows.
     */
    private void markPending(Map<PartitionCommit, Map<String, Long>> countsByCommit)
        throws IOException {
      if (marks == null) {
        return;
      }
      Map<String, List<String>> causes = new TreeMap<>();
      countsByCommit.forEach(
          (commit, unitCounts) ->
              marks
                  .unitsFor(unitCounts)
                  .forEach(
                      unit ->
                          causes
                              .computeIfAbsent(unit, u -> new ArrayList<>())
                              .add(
                                  commit.layer()
                                      + "/"
                                      + commit.dataset()
                                      + " "
                                      + commit.partition())));
      for (Map.Entry<String, List<String>> e : causes.entrySet()) {
        PendingPromotions.mark(
            lake,
            marks.layer(),
            marks.dataset(),
            e.getKey(),
            runId,
            Map.of("rows_from", e.getValue()));
      }
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

    /** Fails on a counter of no unit: its records would be reported nowhere. */
    private void checkEveryCountHasAUnit(Set<String> keys) {
      Set<String> units = new HashSet<>();
      commits.forEach(commit -> units.add(commit.reportId()));
      Set<String> orphans = new TreeSet<>();
      for (String key : keys) {
        int bar = key.indexOf('|');
        String unit = bar < 0 ? key : key.substring(0, bar);
        if (!units.contains(unit)) {
          orphans.add(key);
        }
      }
      if (!orphans.isEmpty()) {
        throw new IllegalStateException(
            "counts of no unit of this run: "
                + orphans
                + "; units: "
                + new TreeSet<>(units)
                + "; nothing was committed");
      }
    }

    /** Moves the unit's staged files in, then deletes every other file its folders held. */
    private void replaceFiles(PartitionCommit commit, List<String> newFiles) throws IOException {
      Set<String> kept =
          new HashSet<>(LakeCommits.moveIntoLake(lake, lake.staging(runId), newFiles));
      List<ResourceId> old = new ArrayList<>();
      for (String directory : commit.directories()) {
        for (ResourceId file : LakeCommits.filesIn(lake, directory)) {
          if (!kept.contains(file.toString())) {
            old.add(file);
          }
        }
      }
      LakeCommits.delete(old);
    }

    private static Map<String, Long> countsOf(PartitionCommit commit, Map<String, Long> all) {
      String prefix = commit.reportId() + "|";
      Map<String, Long> mine = new TreeMap<>();
      long quarantined = 0;
      for (Map.Entry<String, Long> e : all.entrySet()) {
        if (e.getKey().startsWith(prefix)) {
          String name = e.getKey().substring(prefix.length());
          mine.put(name, e.getValue());
          if (name.startsWith(Counts.QUARANTINED + ".")) {
            quarantined += e.getValue();
          }
        }
      }
      mine.put(Counts.QUARANTINED, quarantined);
      return mine;
    }

    private static boolean owns(PartitionCommit commit, String relativeFile) {
      int slash = relativeFile.lastIndexOf('/');
      String directory = slash < 0 ? "" : relativeFile.substring(0, slash);
      for (String pattern : commit.directories()) {
        if (globToRegex(pattern).matcher(directory).matches()) {
          return true;
        }
      }
      return false;
    }

    private static Pattern globToRegex(String glob) {
      StringBuilder regex = new StringBuilder();
      for (String part : glob.split("\\*", -1)) {
        if (regex.length() > 0) {
          regex.append("[^/]*");
        }
        regex.append(Pattern.quote(part));
      }
      return Pattern.compile(regex.toString());
    }

    private static String relativeTo(String root, String file) {
      if (!file.startsWith(root + "/")) {
        throw new IllegalStateException(file + " is not under " + root);
      }
      return file.substring(root.length() + 1);
    }
  }
}
