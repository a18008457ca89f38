package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.commit.ErasureCommit;
import io.medallion.lake.commit.LakeCommitter;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.erasure.EraseTableRows;
import io.medallion.lake.erasure.FileErasure;
import io.medallion.lake.erasure.ForgetHistory;
import io.medallion.lake.erasure.SubjectRows;
import io.medallion.lake.erasure.Subjects;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import io.medallion.lake.table.AsOf;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.ErasedHistory;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasing a data subject from the lake's Iceberg tables and their history (issue 23), on a lake
 * built by the real silver and gold promotions: three arrival hours over two creation dates, the
 * subject's events in each, a duplicate re-sent in a later hour, an hour promoted twice (its first
 * files live on in history) and a killed run's leftover file holding the subject. After {@link
 * EraseTableRows} and {@link ForgetHistory}: every Parquet file under every table folder (read by
 * DuckDB, referenced or not) and every manifest and metadata file is free of the value; every other
 * row is unchanged; every remaining snapshot reads free of the subject; time travel to an expired
 * one fails saying why; a second run removes nothing; a dry run predicted the counts. On the
 * DirectRunner and on embedded Flink.
 */
class ForgetTablesTest {
  private static final String SUBJECT = "u-42";
  private static final Subjects SUBJECTS = new Subjects("user_id", Set.of(SUBJECT));
  private static final Instant H1 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant H2 = Instant.parse("2026-03-01T23:00:00Z");
  private static final Instant H3 = Instant.parse("2026-03-02T09:00:00Z");
  private static final List<LocalDate> DATES =
      List.of(LocalDate.parse("2026-03-01"), LocalDate.parse("2026-03-02"));
  private static final LakeTable QUIZ = TableFamily.TYPED_EVENTS.member("gold_evt_quiz_completed");
  private static final LakeTable LESSON =
      TableFamily.TYPED_EVENTS.member("gold_evt_lesson_started");
  private static final List<LakeTable> ERASED =
      List.of(LakeTable.SILVER_EVENTS, LakeTable.GOLD_EVENTS, QUIZ, LESSON);

  private static String event(String uuid, String name, long createdAt, String members) {
    return "{\"event_uuid\":\""
        + uuid
        + "\",\"event_name\":\""
        + name
        + "\",\"created_at\":"
        + createdAt
        + ","
        + members
        + "}";
  }

  // 2026-03-01T10:05Z = 1772359500
  private static final String E1 = event("e1", "quiz:completed", 1772359500L, uid(SUBJECT, 80));
  private static final List<String> HOUR1 =
      List.of(
          E1,
          event("e2", "quiz:completed", 1772359560L, uid("u-7", 90)),
          event("e3", "lesson:started", 1772359800L, "\"user_id\":\"u-42\",\"lesson_id\":3"),
          event("e4", "lesson:started", 1772359860L, "\"user_id\":\"u-9\",\"lesson_id\":4"));
  private static final List<String> HOUR1_LATE =
      List.of(event("e9", "quiz:completed", 1772359900L, uid("u-7", 70)));
  private static final List<String> HOUR2 =
      List.of(
          event("e5", "quiz:completed", 1772407800L, uid(SUBJECT, 60)),
          event("e6", "app:heartbeat", 1772407900L, "\"device_id\":\"d-1\""),
          E1);
  private static final List<String> HOUR3 =
      List.of(
          event("e7", "quiz:completed", 1772442600L, uid(SUBJECT, 50)),
          event("e8", "quiz:completed", 1772442660L, uid("u-9", 40)));

  private static String uid(String user, int score) {
    return "\"user_id\":\"" + user + "\",\"score\":" + score;
  }

  /** Counts collected from pipelines, by run. */
  private static final Map<String, Map<String, Long>> COUNTS = new ConcurrentHashMap<>();

  @TempDir Path base;

  private Path lake;
  private CatalogSettings catalog;

  @BeforeEach
  void buildLake() throws IOException {
    lake = base.resolve("lake");
    catalog = LakeTables.catalog(lake);
    BronzeFixtures.write(lake, H1, "part-a.jsonl", HOUR1, "\n");
    BronzeFixtures.write(lake, H2, "part-a.jsonl", HOUR2, "\n");
    BronzeFixtures.write(lake, H3, "part-a.jsonl", HOUR3, "\n");
    SilverEventsTest.promote(lake, List.of(H1, H2, H3), Duration.ofHours(6), "silver1");
    // A late file re-promotes the first hour: its first files, with the subject, stay in history.
    BronzeFixtures.write(lake, H1, "part-b.jsonl", HOUR1_LATE, "\n");
    SilverEventsTest.promote(lake, List.of(H1), Duration.ofHours(6), "silver2");
    GoldEventsTest.promote(lake, DATES, 2, "gold1");
    // A killed run's leftover: a copy of a file holding the subject, in no snapshot.
    Path held = Path.of(holdingFiles(LakeTable.SILVER_EVENTS).get(0));
    Files.copy(held, held.resolveSibling("part-killed-run.parquet"));
  }

  /** The launcher's Flink defaults, at this machine's size, on 127.0.0.1 only. */
  private static final String[] FLINK = EmbeddedFlink.batchArgs(2).toArray(String[]::new);

  static {
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink.metrics.MetricGroup", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.runners.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.pekko", "warn");
  }

  @Test
  void erasesTheSubjectFromEveryTableFileAndSnapshotAndKeepsEveryOtherRow() throws Exception {
    eraseAndCheck(null);
  }

  @Test
  void erasesTheSameOnFlink() throws Exception {
    eraseAndCheck(FLINK);
  }

  /** Erases on {@code runner} (null: a TestPipeline on the DirectRunner) and checks the lake. */
  private void eraseAndCheck(String[] runner) throws Exception {
    Map<LakeTable, List<String>> othersBefore = new TreeMap<>();
    Map<LakeTable, Long> subjectRows = new TreeMap<>();
    for (LakeTable table : ERASED) {
      othersBefore.put(table, rows(table, false));
      subjectRows.put(table, (long) rows(table, true).size());
    }
    assertThat(subjectRows.values()).allMatch(n -> n > 0);
    assertThat(filesHolding(SUBJECT)).isNotEmpty();

    Map<String, Long> dry = forget("dry", true, runner);
    Map<String, Long> done = forget("real", false, runner);

    assertThat(done).isEqualTo(dry);
    for (LakeTable table : ERASED) {
      String name = table.tableName();
      assertThat(done).containsEntry(name + ".rows_removed", subjectRows.get(table));
      assertThat(done.get(name + ".files_rewritten")).isPositive();
      assertThat(done.get(name + ".snapshots_expired")).isPositive();
      assertThat(rows(table, true)).isEmpty();
      assertThat(rows(table, false)).isEqualTo(othersBefore.get(table));
    }
    // Silver's removed rows were created on both dates, and both are marked pending for gold.
    assertThat(done)
        .containsEntry("silver_events.created_on.2026-03-01", 4L)
        .containsEntry("silver_events.created_on.2026-03-02", 1L);
    Map<String, List<String>> pending =
        PendingPromotions.list(LakeLayout.at(lake.toString()), Dataset.GOLD_EVENTS);
    assertThat(pending).containsKeys("date=2026-03-01", "date=2026-03-02");
    assertThat(PendingPromotions.rowsRemoved(pending.get("date=2026-03-01"))).isTrue();
    // The leftover and the first promotion's files of hour 1 are gone with the rest.
    assertThat(done.get("silver_events.files_deleted")).isGreaterThanOrEqualTo(3);

    // gold --pending: the marked dates re-promoted from the erased silver (gold_event_stats too).
    GoldEventsTest.promote(lake, DATES, 2, "gold2");

    assertThat(filesHolding(SUBJECT)).isEmpty();
    for (LakeTable table : ERASED) {
      assertThat(rows(table, false)).isEqualTo(othersBefore.get(table));
      assertEverySnapshotIsFree(table);
    }
    assertExpiredSnapshotsRefuseTimeTravel();

    Map<String, Long> again = forget("again", false, runner);
    for (LakeTable table : ERASED) {
      String name = table.tableName();
      assertThat(again)
          .containsEntry(name + ".rows_removed", 0L)
          .containsEntry(name + ".files_rewritten", 0L)
          .containsEntry(name + ".snapshots_expired", 0L)
          .containsEntry(name + ".files_deleted", 0L);
    }
  }

  @Test
  void aPromotionOfTheSameHourBetweenPlanAndCommitFailsTheErasureAndNothingComesBack()
      throws Exception {
    Table silver = load(LakeTable.SILVER_EVENTS);
    long planned = silver.currentSnapshot().snapshotId();
    SubjectRows subjectRows = new SubjectRows("silver_events", silver.schema(), SUBJECTS);
    List<DataFile> removed = new ArrayList<>();
    List<DataFile> added = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = silver.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        FileErasure.Result result =
            FileErasure.erase(
                silver,
                task,
                subjectRows,
                d -> false,
                "part-erased-test-" + removed.size() + ".parquet",
                false);
        if (result.holdsSubjects() && task.file().location().contains("hour=10")) {
          removed.add(task.file());
          added.add(LakeCommitter.dataFile(silver, result.replacement(), "dt=2026-03-01/hour=10"));
        }
      }
    }
    assertThat(removed).hasSize(1);

    // The hour is promoted again meanwhile.
    SilverEventsTest.promote(lake, List.of(H1), Duration.ofHours(6), "silver3");
    List<String> promoted = rows(LakeTable.SILVER_EVENTS, true);

    assertThatThrownBy(
            () ->
                ErasureCommit.commit(
                    load(LakeTable.SILVER_EVENTS),
                    planned,
                    removed,
                    added,
                    List.of(),
                    "erase1",
                    Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("another commit changed silver_events while the erasure read it")
        .hasMessageEndingWith("run lake forget again");
    assertThat(rows(LakeTable.SILVER_EVENTS, true)).isEqualTo(promoted);

    // The other order: an erasure committed after a promotion started fails the promotion.
    Table now = load(LakeTable.SILVER_EVENTS);
    long promotionStart = now.currentSnapshot().snapshotId();
    List<DataFile> stale = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks =
        now.newScan().useSnapshot(promotionStart).planFiles()) {
      tasks.forEach(t -> stale.add(t.file()));
    }
    Map<String, Long> counts = forget("erase2", false, null);
    assertThat(counts.get("silver_events.rows_removed")).isPositive();
    Table erased = load(LakeTable.SILVER_EVENTS);
    assertThatThrownBy(
            () ->
                LakeCommitter.overwrite(
                    erased,
                    promotionStart,
                    Dataset.SILVER_EVENTS.hourUnit(H1).rows(),
                    stale.subList(0, 1),
                    "silver4",
                    "dt=2026-03-01/hour=10",
                    Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("another run committed");
    assertThat(rows(LakeTable.SILVER_EVENTS, true)).isEmpty();
  }

  /**
   * Runs the erasure of every table that can hold the subject ({@code silver_events} marking gold's
   * dates pending), each followed by the erasure of its history, in one pipeline; returns the
   * summed counts.
   */
  private Map<String, Long> forget(String run, boolean dryRun, String[] runner) {
    Pipeline p =
        runner == null
            ? TestPipelines.create()
            : Pipeline.create(PipelineOptionsFactory.fromArgs(runner).create());
    LakeLayout layout = LakeLayout.at(lake.toString());
    List<String> tables = EraseTableRows.tablesHolding(catalog, SUBJECTS);
    assertThat(tables)
        .containsExactly(
            "silver_events",
            "gold_events",
            "gold_evt_app_heartbeat",
            "gold_evt_lesson_started",
            "gold_evt_quiz_completed");
    for (String name : tables) {
      LakeTable table =
          LakeTable.values().stream()
              .filter(t -> t.tableName().equals(name))
              .findFirst()
              .orElseGet(() -> TableFamily.TYPED_EVENTS.member(name));
      EraseTableRows erase =
          EraseTableRows.of(catalog, table.tableName(), SUBJECTS, run).dryRun(dryRun);
      if (table.equals(LakeTable.SILVER_EVENTS)) {
        erase =
            erase.markingPending(
                layout,
                new SilverEvents.Config(
                        layout,
                        catalog,
                        List.of(H1),
                        Duration.ofHours(6),
                        1,
                        run,
                        io.medallion.lake.events.DeduplicateEvents.DEFAULT_HORIZON,
                        false)
                    .goldMarks());
      }
      String step = "Erase_" + table.tableName();
      PCollection<KV<String, Long>> rows = p.apply(step, erase);
      PCollection<KV<String, Long>> history =
          rows.apply(
              "Forget_" + table.tableName(),
              ForgetHistory.of(catalog, table.tableName(), SUBJECTS)
                  .dryRun(dryRun)
                  .unreferencedAge(Duration.ZERO));
      rows.apply("CollectRows_" + table.tableName(), ParDo.of(new CollectFn(run)));
      history.apply("CollectHistory_" + table.tableName(), ParDo.of(new CollectFn(run)));
    }
    COUNTS.remove(run);
    if (p instanceof TestPipeline test) {
      TestPipelines.run(test);
    } else {
      assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    }
    return new TreeMap<>(COUNTS.getOrDefault(run, Map.of()));
  }

  static final class CollectFn extends DoFn<KV<String, Long>, Void> {
    private final String run;

    CollectFn(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element KV<String, Long> count) {
      COUNTS
          .computeIfAbsent(run, r -> new ConcurrentHashMap<>())
          .merge(count.getKey(), count.getValue(), Long::sum);
    }
  }

  private LakeCatalog opened;

  @AfterEach
  void closeCatalog() throws IOException {
    if (opened != null) {
      opened.close();
    }
  }

  /** {@code table} as the catalog holds it now (the catalog stays open for the test). */
  private Table load(LakeTable table) {
    if (opened == null) {
      opened = LakeCatalog.open(catalog);
    }
    Table loaded = opened.existing(table).orElseThrow();
    loaded.refresh();
    return loaded;
  }

  /** The rows of {@code table}'s current snapshot that are (or are not) the subject's, sorted. */
  private List<String> rows(LakeTable table, boolean subject) throws IOException {
    return rowsAt(load(table), null, subject);
  }

  private static List<String> rowsAt(Table loaded, Long snapshot, boolean subject)
      throws IOException {
    SubjectRows matcher =
        new SubjectRows(
            loaded.name().substring(loaded.name().lastIndexOf('.') + 1), loaded.schema(), SUBJECTS);
    IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(loaded);
    if (snapshot != null) {
      scan = scan.useSnapshot(snapshot);
    }
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = scan.build()) {
      for (Record r : records) {
        if (matcher.matches(r) == subject) {
          rows.add(r.toString());
        }
      }
    }
    rows.sort(null);
    return rows;
  }

  /** The current data files of {@code table} that hold the subject's value. */
  private List<String> holdingFiles(LakeTable table) {
    return LakeTables.currentFiles(catalog, table).stream()
        .filter(f -> duckDbHolds(Path.of(f), SUBJECT))
        .toList();
  }

  /** Every file under the table folders that holds {@code value}, each decoded by its format. */
  private List<String> filesHolding(String value) throws IOException {
    List<String> holding = new ArrayList<>();
    for (String folder : List.of("silver", "gold")) {
      Path root = lake.resolve(folder);
      if (!Files.exists(root)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path file : walk.filter(Files::isRegularFile).toList()) {
          String name = file.getFileName().toString();
          boolean holds =
              name.endsWith(".parquet")
                  ? duckDbHolds(file, value)
                  : name.endsWith(".avro")
                      ? avroHolds(file, value)
                      : Files.readString(file, StandardCharsets.ISO_8859_1).contains(value);
          if (holds) {
            holding.add(lake.relativize(file).toString());
          }
        }
      }
    }
    return holding;
  }

  /** Whether DuckDB reads {@code value} in any column of any row of a Parquet file. */
  private static boolean duckDbHolds(Path file, String value) {
    return DuckDb.count(
            "SELECT count(*) FROM read_parquet('"
                + file
                + "') t WHERE CAST(to_json(t) AS VARCHAR) LIKE '%"
                + value
                + "%'")
        > 0;
  }

  /** Whether a decoded Avro file (a manifest or manifest list) holds {@code value}, bounds too. */
  private static boolean avroHolds(Path file, String value) throws IOException {
    try (InputStream in = Files.newInputStream(file);
        DataFileStream<GenericRecord> records =
            new DataFileStream<>(in, new GenericDatumReader<>())) {
      for (GenericRecord r : records) {
        if (holds(r, value)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean holds(Object v, String value) {
    if (v instanceof GenericRecord r) {
      for (var f : r.getSchema().getFields()) {
        if (holds(r.get(f.pos()), value)) {
          return true;
        }
      }
      return false;
    }
    if (v instanceof ByteBuffer b) {
      return StandardCharsets.ISO_8859_1.decode(b.duplicate()).toString().contains(value);
    }
    if (v instanceof Collection<?> c) {
      return c.stream().anyMatch(x -> holds(x, value));
    }
    if (v instanceof Map<?, ?> m) {
      return m.entrySet().stream()
          .anyMatch(e -> holds(e.getKey(), value) || holds(e.getValue(), value));
    }
    return v != null && v.toString().contains(value);
  }

  private void assertEverySnapshotIsFree(LakeTable table) throws IOException {
    Table loaded = load(table);
    for (Snapshot s : loaded.snapshots()) {
      assertThat(rowsAt(loaded, s.snapshotId(), true))
          .as("%s at snapshot %s", table, s.snapshotId())
          .isEmpty();
    }
  }

  private void assertExpiredSnapshotsRefuseTimeTravel() throws IOException {
    try (LakeCatalog reader = LakeCatalog.open(catalog)) {
      Map<LakeTable, Table> tables = new java.util.LinkedHashMap<>();
      for (LakeTable t : reader.tables()) {
        reader.existing(t).ifPresent(loaded -> tables.put(t, loaded));
      }
      Table silver = tables.get(LakeTable.SILVER_EVENTS);
      Map<Long, Long> expired = ErasedHistory.expired(silver);
      assertThat(expired).isNotEmpty();
      long id = expired.keySet().iterator().next();
      assertThatThrownBy(() -> AsOf.parse(Long.toString(id)).resolve(tables))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("was expired by an erasure (lake forget)");
      Instant when = Instant.ofEpochMilli(expired.get(id));
      assertThatThrownBy(() -> AsOf.parse(when.toString()).resolve(tables))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expired by an erasure (lake forget)");
      // The current state still reads.
      assertThat(AsOf.current().resolve(tables).get(LakeTable.SILVER_EVENTS)).isPresent();
    }
  }
}
