package io.medallion.lake.commit;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogConnection;
import io.medallion.lake.table.CatalogLockedException;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.write.WriteTableFiles;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * The last step of a batch promotion: once every data file is written and every record counted,
 * hands each unit's counts, data files (its dataset's family's too: {@link #withFamilyFiles},
 * {@link FamilyFiles}) and staged quarantine files to the commit engine ({@link LakeCommitter}), in
 * one step that runs once. Fails when a count or a file belongs to no unit of the run: its records
 * would be reported nowhere.
 */
public final class CommitPartitions extends PTransform<PBegin, PCollection<String>> {
  private static final Logger LOG = LoggerFactory.getLogger(CommitPartitions.class);

  private final LakeLayout lake;
  private final CatalogSettings catalog;
  private final String runId;
  private final List<CommitUnit> commits;
  // Set on a copy by the with... methods, never on a transform already handed out.
  private Map<LakeTable, TableAtStart> tables;
  private Map<LakeTable, PCollection<KV<String, String>>> dataFiles;
  private PCollection<KV<String, String>> stagedFiles;
  private final PCollection<KV<String, Long>> counts;
  private boolean allowEmpty;
  private PendingMarks marks;
  private FamilyInput family;

  /**
   * The files a run wrote for its dataset's family: the family's tables when the run started (by
   * name), the tables as the run settled them before writing (a one-element collection), and each
   * file keyed by its table, with its partition path.
   */
  private record FamilyInput(
      Map<String, TableAtStart> atStart,
      PCollection<Map<String, TableAtStart>> settled,
      PCollection<KV<String, KV<String, String>>> files) {}

  private CommitPartitions(
      LakeLayout lake,
      CatalogSettings catalog,
      String runId,
      List<CommitUnit> commits,
      Map<LakeTable, TableAtStart> tables,
      Map<LakeTable, PCollection<KV<String, String>>> dataFiles,
      PCollection<KV<String, String>> stagedFiles,
      PCollection<KV<String, Long>> counts,
      boolean allowEmpty,
      PendingMarks marks,
      FamilyInput family) {
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
    this.family = family;
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
      List<CommitUnit> commits,
      PCollection<KV<String, Long>> counts) {
    return new CommitPartitions(
        lake,
        catalog,
        runId,
        List.copyOf(commits),
        new TreeMap<>(),
        new TreeMap<>(),
        null,
        counts,
        false,
        null,
        null);
  }

  /**
   * The data files written for {@code table} ({@link WriteTableFiles}: partition path → file),
   * committed against the table as it was when the run started.
   */
  public CommitPartitions withDataFiles(TableAtStart table, PCollection<KV<String, String>> files) {
    CommitPartitions c = copy();
    c.tables = new TreeMap<>(tables);
    c.tables.put(table.table(), table);
    c.dataFiles = new TreeMap<>(dataFiles);
    c.dataFiles.put(table.table(), files);
    return c;
  }

  /** Files staged under {@code _tmp/<run>/} (any key, the staged path as value), moved in. */
  public CommitPartitions withStagedFiles(PCollection<KV<String, String>> files) {
    CommitPartitions c = copy();
    c.stagedFiles = files;
    return c;
  }

  /**
   * Whether a unit that holds rows may be replaced by a run that read nothing for it; by default
   * such a run fails before committing anything ({@link LakeCommitter.EmptiedUnitException}).
   */
  public CommitPartitions allowingEmpty(boolean allow) {
    CommitPartitions c = copy();
    c.allowEmpty = allow;
    return c;
  }

  /** Marks the downstream units {@code pending} names as pending before anything is committed. */
  public CommitPartitions markingPending(PendingMarks pending) {
    CommitPartitions c = copy();
    c.marks = pending;
    return c;
  }

  /**
   * The data files written for the tables of the units' dataset's family, keyed by table (with
   * their partition path), committed between the dataset's fixed tables; and, for each unit, an
   * empty replacement of every member that holds rows of it and got no file.
   *
   * @param atStart the family's tables when the run started, by name: the snapshots their commits
   *     validate from, and the members checked for rows of a unit
   * @param settled one element: the tables the files were written for, by name, with the schema
   *     they were written with (a table the run created has no start snapshot)
   */
  public CommitPartitions withFamilyFiles(
      Map<String, TableAtStart> atStart,
      PCollection<Map<String, TableAtStart>> settled,
      PCollection<KV<String, KV<String, String>>> files) {
    CommitPartitions c = copy();
    c.family = new FamilyInput(new TreeMap<>(atStart), settled, files);
    return c;
  }

  private CommitPartitions copy() {
    return new CommitPartitions(
        lake,
        catalog,
        runId,
        commits,
        tables,
        dataFiles,
        stagedFiles,
        counts,
        allowEmpty,
        marks,
        family);
  }

  @Override
  public PCollection<String> expand(PBegin begin) {
    List<PCollectionView<?>> sideInputs = new ArrayList<>();
    Map<LakeTable, PCollectionView<List<KV<String, String>>>> dataViews = new TreeMap<>();
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
    FamilyViews familyViews = null;
    if (family != null) {
      familyViews =
          new FamilyViews(
              family.atStart(),
              family.settled().apply("FamilyTables", View.asSingleton()),
              family.files().apply("FamilyFiles", View.asList()));
      sideInputs.add(familyViews.settled());
      sideInputs.add(familyViews.files());
    }
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
                        marks,
                        familyViews))
                .withSideInputs(sideInputs))
        .setTypeDescriptor(TypeDescriptors.strings());
  }

  /** {@link FamilyInput} as the commit step reads them. */
  private record FamilyViews(
      Map<String, TableAtStart> atStart,
      PCollectionView<Map<String, TableAtStart>> settled,
      PCollectionView<List<KV<String, KV<String, String>>>> files)
      implements Serializable {}

  static final class CommitFn extends DoFn<String, String> {
    private final LakeLayout lake;
    private final CatalogSettings catalogSettings;
    private final CatalogConnection catalog;
    private final String runId;
    private final List<CommitUnit> commits;
    private final Map<LakeTable, TableAtStart> tables;
    private final Map<LakeTable, PCollectionView<List<KV<String, String>>>> dataViews;
    private final PCollectionView<List<String>> stagedView;
    private final PCollectionView<Map<String, Long>> countsView;
    private final boolean allowEmpty;
    private final PendingMarks marks;
    private final FamilyViews family;

    CommitFn(
        LakeLayout lake,
        CatalogSettings catalogSettings,
        String runId,
        List<CommitUnit> commits,
        Map<LakeTable, TableAtStart> tables,
        Map<LakeTable, PCollectionView<List<KV<String, String>>>> dataViews,
        PCollectionView<List<String>> stagedView,
        PCollectionView<Map<String, Long>> countsView,
        boolean allowEmpty,
        PendingMarks marks,
        FamilyViews family) {
      this.lake = lake;
      this.catalogSettings = catalogSettings;
      this.catalog = new CatalogConnection(catalogSettings);
      this.runId = runId;
      this.commits = commits;
      this.tables = new TreeMap<>(tables);
      this.dataViews = new TreeMap<>(dataViews);
      this.stagedView = stagedView;
      this.countsView = countsView;
      this.allowEmpty = allowEmpty;
      this.marks = marks;
      this.family = family;
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      try {
        commit(c);
      } catch (CatalogLockedException e) {
        throw e;
      } catch (RuntimeException e) {
        if (!CatalogLockedException.causedBy(e)) {
          throw e;
        }
        // Reading the tables to describe the data files, before the commit engine touched any.
        LOG.warn("The catalog {} is locked by another process", catalogSettings.uri(), e);
        throw CatalogLockedException.nothingCommitted(
            catalogSettings,
            commits.isEmpty()
                ? "this run"
                : CatalogLockedException.describe(
                    commits.get(0).dataset(), commits.stream().map(CommitUnit::name).toList()));
      }
    }

    private void commit(ProcessContext c) throws IOException {
      Map<String, Long> counts = c.sideInput(countsView);
      String stagingRoot = lake.staging(runId);
      checkEveryCountHasAUnit(counts.keySet());

      Map<CommitUnit, Map<LakeTable, List<DataFile>>> filesByUnit = new LinkedHashMap<>();
      Map<CommitUnit, List<String>> stagedByUnit = new LinkedHashMap<>();
      for (CommitUnit unit : commits) {
        filesByUnit.put(unit, new TreeMap<>());
        stagedByUnit.put(unit, new ArrayList<>());
        for (LakeTable table : unit.tables().keySet()) {
          if (!tables.containsKey(table)) {
            throw new IllegalStateException(
                unit + " replaces rows of " + table + ", which has no files in this run");
          }
          filesByUnit.get(unit).put(table, new ArrayList<>());
        }
      }
      for (Map.Entry<LakeTable, PCollectionView<List<KV<String, String>>>> e :
          dataViews.entrySet()) {
        Table table = catalog.get().table(e.getKey());
        for (KV<String, String> written : c.sideInput(e.getValue())) {
          DataFile file = LakeCommitter.dataFile(table, written.getValue(), written.getKey());
          CommitUnit owner =
              commits.stream()
                  .filter(unit -> unit.tables().containsKey(e.getKey()))
                  .filter(
                      unit -> LakeCommitter.holdsOnly(table, unit.tables().get(e.getKey()), file))
                  .findFirst()
                  .orElseThrow(
                      () ->
                          new IllegalStateException(
                              e.getKey() + " data file belongs to no unit: " + file.location()));
          filesByUnit.get(owner).get(e.getKey()).add(file);
        }
      }
      Map<LakeTable, Long> startSnapshots = new TreeMap<>();
      tables.forEach((table, atStart) -> startSnapshots.put(table, atStart.snapshotId()));
      Map<CommitUnit, Map<LakeTable, List<DataFile>>> memberFiles = new LinkedHashMap<>();
      commits.forEach(unit -> memberFiles.put(unit, new TreeMap<>()));
      if (family != null) {
        FamilyFiles.Assigned assigned =
            FamilyFiles.assign(
                catalog.get(),
                commits,
                family.atStart(),
                c.sideInput(family.settled()),
                c.sideInput(family.files()));
        memberFiles.putAll(assigned.files());
        startSnapshots.putAll(assigned.startSnapshots());
      }
      for (String file : c.sideInput(stagedView)) {
        String relative = relativeTo(stagingRoot, file);
        CommitUnit owner =
            commits.stream()
                .filter(unit -> owns(unit, relative))
                .findFirst()
                .orElseThrow(
                    () -> new IllegalStateException("staged file belongs to no unit: " + file));
        stagedByUnit.get(owner).add(relative);
      }

      List<LakeCommitter.Staged> staged = new ArrayList<>();
      for (CommitUnit unit : commits) {
        Map<LakeTable, List<DataFile>> files = new TreeMap<>(filesByUnit.get(unit));
        files.putAll(memberFiles.get(unit));
        staged.add(
            new LakeCommitter.Staged(
                unit,
                countsOf(unit, counts),
                files,
                stagingRoot,
                stagedByUnit.get(unit),
                new ArrayList<>(memberFiles.get(unit).keySet())));
      }
      for (String report :
          new LakeCommitter(lake, catalog.get(), runId, allowEmpty, marks)
              .commit(startSnapshots, staged)) {
        c.output(report);
      }
    }

    /** Fails on a counter of no unit: its records would be reported nowhere. */
    private void checkEveryCountHasAUnit(Set<String> keys) {
      Set<String> units = new HashSet<>();
      commits.forEach(unit -> units.add(unit.name()));
      Set<String> orphans = new TreeSet<>();
      for (String key : keys) {
        if (!units.contains(Counts.unitOf(key))) {
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

    private static Map<String, Long> countsOf(CommitUnit unit, Map<String, Long> all) {
      Map<String, Long> mine = new TreeMap<>();
      all.forEach(
          (key, value) -> {
            if (unit.name().equals(Counts.unitOf(key)) && Counts.counterOf(key) != null) {
              mine.put(Counts.counterOf(key), value);
            }
          });
      return mine;
    }

    private static boolean owns(CommitUnit unit, String relativeFile) {
      int slash = relativeFile.lastIndexOf('/');
      return unit.directories().contains(slash < 0 ? "" : relativeFile.substring(0, slash));
    }

    private static String relativeTo(String root, String file) {
      if (!file.startsWith(root + "/")) {
        throw new IllegalStateException(file + " is not under " + root);
      }
      return file.substring(root.length() + 1);
    }
  }
}
