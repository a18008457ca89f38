package io.medallion.lake.erasure;

import io.medallion.lake.commit.ErasureCommit;
import io.medallion.lake.commit.PendingMarks;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogConnection;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ScanTaskParser;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Erases data subjects' rows from the current snapshot of one lake table ({@code silver_events},
 * {@code gold_events}, or a typed table {@code gold_evt_<name>}): plans the snapshot's data files
 * with their delete files, reads the files in parallel, writes for each file that holds a subject's
 * row ({@link SubjectRows}) a replacement in the same partition without those rows ({@link
 * FileErasure}: every other live row and column as it was), and commits the replacements in <b>one
 * commit</b> for the table ({@link ErasureCommit}: validated from the planned snapshot, so that a
 * promotion of the same unit committed meanwhile fails the erasure, with a one-line message to
 * rerun it, instead of bringing a row back).
 *
 * <p>With {@link #markingPending}, the downstream units of the removed rows are marked pending
 * before the commit, as the commit engine marks the units of the rows a promotion removes ({@link
 * PendingMarks#mark}, with {@code rows_removed_by}): for silver, the gold dates the rows were
 * created on, so that {@code gold --pending} re-promotes them from the erased silver even if the
 * erasure is killed after its commit.
 *
 * <p>Outputs counts, summed, keyed {@code <table>.<metric>}: {@code files_read}, {@code
 * bytes_read}, {@code files_rewritten} (data files replaced, or dropped when no row was left),
 * {@code rows_removed} (the subjects' live rows), always present (0 when nothing was found); and
 * {@code <table>.created_on.<YYYY-MM-DD>}, the removed rows per creation date, for a table with
 * {@code created_at}. With {@link #dryRun} the counts are the same and nothing is written, marked
 * or committed. A table the catalog lacks, or without a snapshot, reads nothing.
 *
 * <pre>{@code
 * PCollection<KV<String, Long>> counts =
 *     pipeline.apply("EraseSilverEvents",
 *         EraseTableRows.of(catalog, "silver_events", subjects, runId)
 *             .markingPending(lake, goldMarks));
 * }</pre>
 */
public final class EraseTableRows extends PTransform<PBegin, PCollection<KV<String, Long>>> {
  /** Counter suffixes, after {@code <table>.}. */
  public static final String FILES_READ = "files_read";

  public static final String BYTES_READ = "bytes_read";
  public static final String FILES_REWRITTEN = "files_rewritten";
  public static final String ROWS_REMOVED = "rows_removed";

  /** Prefix of the per-creation-date counters, {@code <table>.created_on.<date>}. */
  public static final String CREATED_ON = "created_on.";

  private final CatalogSettings catalog;
  private final String tableName;
  private final Subjects subjects;
  private final String runId;
  private final boolean dryRun;
  private final LakeLayout lake;
  private final PendingMarks marks;

  private EraseTableRows(
      CatalogSettings catalog,
      String tableName,
      Subjects subjects,
      String runId,
      boolean dryRun,
      LakeLayout lake,
      PendingMarks marks) {
    this.catalog = catalog;
    this.tableName = tableName;
    this.subjects = subjects;
    this.runId = runId;
    this.dryRun = dryRun;
    this.lake = lake;
    this.marks = marks;
  }

  /**
   * Erases {@code subjects} from table {@code tableName} of {@code catalog}, committing as run
   * {@code runId} (in the snapshot summary and the replacement files' names).
   */
  public static EraseTableRows of(
      CatalogSettings catalog, String tableName, Subjects subjects, String runId) {
    return new EraseTableRows(catalog, tableName, subjects, runId, false, null, null);
  }

  /** With {@code dryRun}, counts what would go and writes, marks and commits nothing. */
  public EraseTableRows dryRun(boolean dryRun) {
    return new EraseTableRows(catalog, tableName, subjects, runId, dryRun, lake, marks);
  }

  /**
   * Marks the downstream units of the removed rows pending in {@code lake} before committing:
   * {@code marks} as silver's promotion uses them ({@code created_on.} counters to gold dates).
   */
  public EraseTableRows markingPending(LakeLayout lake, PendingMarks marks) {
    return new EraseTableRows(catalog, tableName, subjects, runId, dryRun, lake, marks);
  }

  /** One data file to erase from, planned from {@code snapshotId}: Iceberg's task, as JSON. */
  record PlannedFile(long snapshotId, String task) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private static final TupleTag<KV<Long, FileErasure.Result>> ERASED = new TupleTag<>() {};
  private static final TupleTag<KV<String, Long>> COUNTS = new TupleTag<>() {};

  @Override
  public PCollection<KV<String, Long>> expand(PBegin input) {
    List<KV<String, Long>> zeros = new ArrayList<>();
    for (String metric : List.of(FILES_READ, BYTES_READ, FILES_REWRITTEN, ROWS_REMOVED)) {
      zeros.add(KV.of(key(tableName, metric), 0L));
    }
    KvCoder<String, Long> countCoder = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    PCollectionTuple read =
        input
            .apply("Table", Create.of(tableName))
            .apply("PlanFiles", ParDo.of(new PlanFilesFn(catalog)))
            .setCoder(SerializableCoder.of(PlannedFile.class))
            .apply("SpreadFiles", Reshuffle.viaRandomKey())
            .apply(
                "EraseFromFiles",
                ParDo.of(new EraseFromFileFn(catalog, tableName, subjects, runId, dryRun))
                    .withOutputTags(ERASED, TupleTagList.of(COUNTS)));
    read.get(COUNTS).setCoder(countCoder);
    PCollection<KV<String, Long>> committed =
        read.get(ERASED)
            .setCoder(KvCoder.of(VarLongCoder.of(), SerializableCoder.of(FileErasure.Result.class)))
            .apply("AllFiles", GroupByKey.create())
            .apply(
                "CommitErasure",
                ParDo.of(new CommitErasureFn(catalog, tableName, runId, dryRun, lake, marks)))
            .setCoder(countCoder);
    return PCollectionList.of(input.apply("Zeros", Create.of(zeros).withCoder(countCoder)))
        .and(read.get(COUNTS))
        .and(committed)
        .apply("AllCounts", Flatten.pCollections())
        .apply("SumCounts", Sum.longsPerKey());
  }

  /**
   * The tables of {@code catalog} that can hold a row of {@code subjects} ({@link
   * SubjectRows#canHoldSubjects}), in catalog order: {@code silver_events}, {@code gold_events} and
   * the typed tables the catalog holds; not {@code gold_event_stats} (counts) nor a table without
   * the field or a payload. The tables an erasure runs {@link EraseTableRows} and {@link
   * ForgetHistory} for.
   */
  public static List<String> tablesHolding(CatalogSettings catalogSettings, Subjects subjects) {
    List<String> names = new ArrayList<>();
    try (LakeCatalog catalog = LakeCatalog.open(catalogSettings)) {
      for (LakeTable definition : catalog.tables()) {
        Optional<Table> table = catalog.existing(definition);
        if (table.isPresent()
            && new SubjectRows(definition.tableName(), table.get().schema(), subjects)
                .canHoldSubjects()) {
          names.add(definition.tableName());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the catalog", e);
    }
    return names;
  }

  static String key(String table, String metric) {
    return table + "." + metric;
  }

  /** The table of {@code catalog} named {@code name}, if the catalog holds it. */
  static Optional<Table> load(CatalogConnection catalog, String name) {
    LakeTable definition = catalog.get().named(name);
    Optional<Table> table = catalog.get().existing(definition);
    table.ifPresent(Table::refresh);
    return table;
  }

  /** The data files of the table's current snapshot, each with its delete files. */
  static final class PlanFilesFn extends DoFn<String, PlannedFile> {
    private final CatalogConnection catalog;

    PlanFilesFn(CatalogSettings catalog) {
      this.catalog = new CatalogConnection(catalog);
    }

    @ProcessElement
    public void process(@Element String name, OutputReceiver<PlannedFile> out) throws IOException {
      Optional<Table> table = load(catalog, name);
      if (table.isEmpty() || table.get().currentSnapshot() == null) {
        return;
      }
      long snapshot = table.get().currentSnapshot().snapshotId();
      try (CloseableIterable<FileScanTask> tasks =
          table.get().newScan().useSnapshot(snapshot).planFiles()) {
        for (FileScanTask task : tasks) {
          out.output(new PlannedFile(snapshot, ScanTaskParser.toJson(task)));
        }
      }
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }
  }

  /** Reads one planned file; writes its replacement when it holds a subject's row. */
  static final class EraseFromFileFn extends DoFn<PlannedFile, KV<Long, FileErasure.Result>> {
    private final CatalogConnection catalog;
    private final String tableName;
    private final Subjects subjects;
    private final String runId;
    private final boolean dryRun;
    private transient Map<String, Boolean> deleteFiles;
    private transient Table table;
    private transient SubjectRows rows;

    EraseFromFileFn(
        CatalogSettings catalog,
        String tableName,
        Subjects subjects,
        String runId,
        boolean dryRun) {
      this.catalog = new CatalogConnection(catalog);
      this.tableName = tableName;
      this.subjects = subjects;
      this.runId = runId;
      this.dryRun = dryRun;
    }

    @Setup
    public void setup() {
      deleteFiles = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element PlannedFile planned, MultiOutputReceiver out) {
      if (table == null) {
        // Once per instance: the files are read by their planned paths, whatever commits later.
        table =
            load(catalog, tableName)
                .orElseThrow(() -> new IllegalStateException(tableName + " disappeared"));
        rows = new SubjectRows(tableName, table.schema(), subjects);
      }
      FileScanTask task = ScanTaskParser.fromJson(planned.task(), true);
      FileErasure.Result result =
          FileErasure.erase(
              table,
              task,
              rows,
              location ->
                  deleteFiles.computeIfAbsent(
                      location,
                      l -> ParquetValues.holdsSubjects(table.io().newInputFile(l), subjects)),
              replacementName(runId, task.file().location()),
              dryRun);
      out.get(COUNTS).output(KV.of(key(tableName, FILES_READ), 1L));
      out.get(COUNTS).output(KV.of(key(tableName, BYTES_READ), result.bytesRead()));
      if (result.holdsSubjects()) {
        out.get(ERASED).output(KV.of(planned.snapshotId(), result));
      }
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }
  }

  /** {@code part-erased-<run>-<uuid of the replaced file's location>.parquet}: a retry rewrites. */
  static String replacementName(String runId, String replaced) {
    return "part-erased-"
        + runId
        + "-"
        + UUID.nameUUIDFromBytes(replaced.getBytes(StandardCharsets.UTF_8))
        + ".parquet";
  }
}
