package io.medallion.lake.erasure;

import io.medallion.lake.table.CatalogConnection;
import io.medallion.lake.table.CatalogSettings;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.iceberg.Table;

/**
 * Forgets data subjects from the history of one lake table, after its current snapshot was cleaned
 * ({@link EraseTableRows} committed; this transform starts once its input, the erasure's counts, is
 * complete): lists the files outside the current snapshot (the other snapshots' data and delete
 * files, and the unreferenced files under the table's {@code data/} folder), reads them in parallel
 * for a subject's value ({@link ParquetValues#holdsSubjects}), then in one step expires the
 * snapshots that reference such a file and deletes the files ({@link HistoryErasure#forget}).
 *
 * <p>Time travel: a snapshot expired here is gone, and {@code --as-of} at it (by id, or a time when
 * the table was at it) fails saying it was expired by an erasure; later snapshots read as before.
 * With {@link #dryRun} nothing is expired or deleted and the counts say what would be once the
 * current snapshot is erased with {@link EraseTableRows} (one commit): a dry run is run before it,
 * and also reads the current snapshot's files.
 *
 * <p>Outputs {@code <table>.snapshots_expired} and {@code <table>.files_deleted} (data and delete
 * files).
 */
public final class ForgetHistory
    extends PTransform<PCollection<KV<String, Long>>, PCollection<KV<String, Long>>> {
  public static final String SNAPSHOTS_EXPIRED = "snapshots_expired";
  public static final String FILES_DELETED = "files_deleted";

  private final CatalogSettings catalog;
  private final String tableName;
  private final Subjects subjects;
  private final boolean dryRun;
  private final Duration unreferencedAge;

  private ForgetHistory(
      CatalogSettings catalog,
      String tableName,
      Subjects subjects,
      boolean dryRun,
      Duration unreferencedAge) {
    this.catalog = catalog;
    this.tableName = tableName;
    this.subjects = subjects;
    this.dryRun = dryRun;
    this.unreferencedAge = unreferencedAge;
  }

  /**
   * Forgets {@code subjects} from the history of table {@code tableName} of {@code catalog}; an
   * unreferenced file holding a subject is deleted once it is an hour old (younger, it may be a
   * running promotion's: the run then fails saying so, see {@link #unreferencedAge}).
   */
  public static ForgetHistory of(CatalogSettings catalog, String tableName, Subjects subjects) {
    return new ForgetHistory(catalog, tableName, subjects, false, Duration.ofHours(1));
  }

  /** With {@code dryRun}, counts what would go and expires and deletes nothing. */
  public ForgetHistory dryRun(boolean dryRun) {
    return new ForgetHistory(catalog, tableName, subjects, dryRun, unreferencedAge);
  }

  /**
   * Unreferenced files holding a subject younger than {@code age} are left (a promotion running now
   * may be about to commit them) and fail the run; {@link Duration#ZERO} when no promotion can be
   * running.
   */
  public ForgetHistory unreferencedAge(Duration age) {
    return new ForgetHistory(catalog, tableName, subjects, dryRun, age);
  }

  @Override
  public PCollection<KV<String, Long>> expand(PCollection<KV<String, Long>> after) {
    PCollection<Long> start = after.apply("AfterErasure", Count.globally());
    PCollectionView<List<String>> held =
        start
            .apply("ListFiles", ParDo.of(new ListFilesFn(catalog, tableName, dryRun)))
            .setCoder(StringUtf8Coder.of())
            .apply("SpreadFiles", Reshuffle.viaRandomKey())
            .apply("FindSubjects", ParDo.of(new FindSubjectsFn(catalog, tableName, subjects)))
            .setCoder(StringUtf8Coder.of())
            .apply("Held", View.asList());
    return start
        .apply(
            "ExpireSnapshots",
            ParDo.of(new ForgetFn(catalog, tableName, subjects, dryRun, unreferencedAge, held))
                .withSideInputs(held))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  private static Optional<Table> load(CatalogConnection catalog, String name) {
    return EraseTableRows.load(catalog, name);
  }

  static final class ListFilesFn extends DoFn<Long, String> {
    private final CatalogConnection catalog;
    private final String tableName;

    private final boolean dryRun;

    ListFilesFn(CatalogSettings catalog, String tableName, boolean dryRun) {
      this.catalog = new CatalogConnection(catalog);
      this.tableName = tableName;
      this.dryRun = dryRun;
    }

    @ProcessElement
    public void process(OutputReceiver<String> out) {
      load(catalog, tableName)
          .ifPresent(t -> HistoryErasure.candidates(t, dryRun).forEach(out::output));
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }
  }

  static final class FindSubjectsFn extends DoFn<String, String> {
    private final CatalogConnection catalog;
    private final String tableName;
    private final Subjects subjects;
    private transient Table table;

    FindSubjectsFn(CatalogSettings catalog, String tableName, Subjects subjects) {
      this.catalog = new CatalogConnection(catalog);
      this.tableName = tableName;
      this.subjects = subjects;
    }

    @ProcessElement
    public void process(@Element String file, OutputReceiver<String> out) {
      if (table == null) {
        table =
            load(catalog, tableName)
                .orElseThrow(() -> new IllegalStateException(tableName + " disappeared"));
      }
      if (ParquetValues.holdsSubjects(table.io().newInputFile(file), subjects)) {
        out.output(file);
      }
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }
  }

  static final class ForgetFn extends DoFn<Long, KV<String, Long>> {
    private final CatalogConnection catalog;
    private final String tableName;
    private final Subjects subjects;
    private final boolean dryRun;
    private final Duration unreferencedAge;
    private final PCollectionView<List<String>> held;

    ForgetFn(
        CatalogSettings catalog,
        String tableName,
        Subjects subjects,
        boolean dryRun,
        Duration unreferencedAge,
        PCollectionView<List<String>> held) {
      this.catalog = new CatalogConnection(catalog);
      this.tableName = tableName;
      this.subjects = subjects;
      this.dryRun = dryRun;
      this.unreferencedAge = unreferencedAge;
      this.held = held;
    }

    @ProcessElement
    public void process(ProcessContext context) {
      HistoryErasure.Result result =
          load(catalog, tableName)
              .map(
                  t ->
                      HistoryErasure.forget(
                          t,
                          context.sideInput(held),
                          subjects,
                          dryRun,
                          Instant.now().minus(unreferencedAge)))
              .orElse(new HistoryErasure.Result(0, 0));
      context.output(
          KV.of(
              EraseTableRows.key(tableName, SNAPSHOTS_EXPIRED), (long) result.snapshotsExpired()));
      context.output(
          KV.of(EraseTableRows.key(tableName, FILES_DELETED), (long) result.filesDeleted()));
    }

    @Teardown
    public void teardown() throws IOException {
      catalog.close();
    }
  }
}
