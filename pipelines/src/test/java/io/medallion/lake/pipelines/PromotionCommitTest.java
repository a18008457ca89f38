package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.commit.CommitUnit;
import io.medallion.lake.commit.LakeCommitter;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.ReadSilverEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogLockedException;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.events.CreateSnapshotEvent;
import org.apache.iceberg.events.Listeners;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetAvroWriter;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Iceberg commit of a promotion guarantees: a run that fails before its commit leaves the
 * table as it was; two concurrent runs of the same hour end with one run's rows, the other failing
 * with one line; a retried commit does not commit twice; and a column added to a table reads as
 * null from files written before it.
 */
class PromotionCommitTest {
  private static final Instant HOUR = BronzeFixtures.MARCH;
  private static final String UNIT = "dt=2024-03-24/hour=21";

  @TempDir Path lake;

  private CatalogSettings catalog() {
    return LakeTables.catalog(lake);
  }

  private TestPipeline silver(List<Instant> hours, String runId) {
    return silver(hours, runId, catalog());
  }

  private TestPipeline silver(List<Instant> hours, String runId, CatalogSettings catalog) {
    TestPipeline p = TestPipelines.create();
    SilverEvents.Config config =
        new SilverEvents.Config(
            LakeLayout.at(lake.toString()),
            catalog,
            hours,
            Duration.ofHours(6),
            1,
            runId,
            DeduplicateEvents.DEFAULT_HORIZON,
            false);
    SilverEvents.build(p, config);
    return p;
  }

  private List<String> files() {
    return LakeTables.currentFiles(catalog(), LakeTable.SILVER_EVENTS);
  }

  private long rows() {
    return LakeTables.assertReadersAgree(lake, LakeTable.SILVER_EVENTS);
  }

  @Test
  void aRunThatFailsBeforeItsCommitLeavesTheTableAsItWas() throws Exception {
    BronzeFixtures.writeStandardLake(lake);
    List<Instant> hours = List.of(HOUR, BronzeFixtures.APRIL);
    TestPipelines.run(silver(hours, "run1"));
    List<String> before = files();
    long rowsBefore = rows();

    // April's bronze is gone: the run would replace its rows with nothing, and fails at its commit,
    // after writing March's file.
    try (var walk = Files.walk(lake.resolve("bronze/events/2024/04/07/17"))) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        Files.delete(file);
      }
    }
    TestPipeline bad = silver(hours, "run2");

    assertThatThrownBy(() -> TestPipelines.run(bad))
        .hasStackTraceContaining(LakeCommitter.EmptiedUnitException.class.getSimpleName())
        .hasStackTraceContaining("dt=2024-04-07/hour=17");
    assertThat(files()).isEqualTo(before);
    assertThat(rows()).isEqualTo(rowsBefore).isEqualTo(9 + 2);
    // Its data files were written, but no snapshot lists them.
    try (var walk = Files.walk(lake.resolve("silver/events/data"))) {
      assertThat(walk.filter(f -> f.getFileName().toString().startsWith("part-run2-")))
          .isNotEmpty();
    }
  }

  @Test
  void twoConcurrentPromotionsOfTheSameHourEndWithOneRunsRows() throws Exception {
    BronzeFixtures.writeStandardLake(lake);
    TestPipelines.run(silver(List.of(HOUR), "first"));
    // Both runs start (and take the table's snapshot) before either commits.
    List<TestPipeline> runs = List.of(silver(List.of(HOUR), "runA"), silver(List.of(HOUR), "runB"));

    List<Throwable> failures = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (TestPipeline run : runs) {
        done.add(pool.submit(() -> TestPipelines.run(run)));
      }
      for (Future<?> f : done) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(e.getCause());
        }
      }
    } finally {
      pool.shutdown();
    }

    assertThat(failures).hasSize(1);
    assertThat(failures.get(0))
        .hasStackTraceContaining(
            "another run committed silver_events "
                + UNIT
                + " since this run started; nothing of this run was committed for it; run it"
                + " again");
    String winner = files().get(0).contains("/part-runA-") ? "runA" : "runB";
    assertThat(files()).singleElement().asString().contains("/part-" + winner + "-");
    assertThat(rows()).isEqualTo(9);

    // A run that starts after the winner committed replaces its rows cleanly.
    TestPipelines.run(silver(List.of(HOUR), "runC"));
    assertThat(files()).singleElement().asString().contains("/part-runC-");
    assertThat(rows()).isEqualTo(9);
  }

  @Test
  void aRetriedCommitDoesNotCommitTwice() throws Exception {
    try (LakeCatalog opened = LakeCatalog.open(catalog())) {
      Table table = opened.table(LakeTable.GOLD_EVENT_STATS);
      var unit = Expressions.equal("date", "2026-01-02");
      Map<String, Long> counts = Map.of("read", 0L);

      long first =
          LakeCommitter.overwrite(table, null, unit, List.of(), "r1", "date=2026-01-02", counts);
      long again =
          LakeCommitter.overwrite(table, null, unit, List.of(), "r1", "date=2026-01-02", counts);
      long other =
          LakeCommitter.overwrite(table, null, unit, List.of(), "r2", "date=2026-01-02", counts);

      assertThat(again).isEqualTo(first);
      assertThat(other).isNotEqualTo(first);
      List<Long> snapshots = new ArrayList<>();
      SnapshotUtil.currentAncestors(table).forEach(s -> snapshots.add(s.snapshotId()));
      assertThat(snapshots).containsExactly(other, first);
    }
  }

  /** The lake's local catalog, waiting {@code millis} for another process's lock. */
  private CatalogSettings catalogWaiting(int millis) {
    return CatalogSettings.local(
        LakeLayout.at(lake.toString()),
        Optional.of("jdbc:sqlite:" + catalogFile() + "?busy_timeout=" + millis),
        CatalogSettings.DEFAULT_NAMESPACE,
        Map.of());
  }

  private Path catalogFile() {
    return lake.resolve(CatalogSettings.LOCAL_CATALOG_FILE);
  }

  /**
   * Another process's hold on the SQLite catalog: an exclusive transaction, until the connection is
   * closed (which rolls it back).
   */
  private static Connection lock(Path catalogFile) throws SQLException {
    Connection holder = DriverManager.getConnection("jdbc:sqlite:" + catalogFile);
    try (Statement s = holder.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
    }
    return holder;
  }

  @Test
  void aCatalogLockedLongerThanItsWaitAtTheCommitNamesTheHourAndCommitsNothing() throws Exception {
    BronzeFixtures.writeStandardLake(lake);
    CatalogSettings waiting = catalogWaiting(300);
    TestPipeline run = silver(List.of(HOUR), "run1", waiting);

    Connection holder = lock(catalogFile());
    try {
      assertThatThrownBy(() -> TestPipelines.run(run))
          .rootCause()
          .isInstanceOf(CatalogLockedException.class)
          .hasMessage(
              "silver_events "
                  + UNIT
                  + " not committed: the catalog jdbc:sqlite:"
                  + catalogFile()
                  + "?busy_timeout=300 was locked by another process for longer than its wait"
                  + " (0.3 s, busy_timeout in --catalogUri); nothing of this run was committed;"
                  + " run it again once that process is done with the catalog");
    } finally {
      holder.close();
    }

    assertThat(files()).isEmpty();
    assertThat(lake.resolve("_reports/silver/events/" + UNIT + ".json")).doesNotExist();
    // Run again once the lock is gone: the hour is promoted.
    TestPipelines.run(silver(List.of(HOUR), "run2", waiting));
    assertThat(rows()).isEqualTo(9);
  }

  @Test
  void aCatalogLockedBetweenTwoCommitsNamesWhatWasCommittedAndWhatWasNot() throws Exception {
    CatalogSettings waiting = catalogWaiting(300);
    List<LakeCommitter.Staged> dates = new ArrayList<>();
    Map<LakeTable, Long> start = new java.util.TreeMap<>();
    for (String date : List.of("2026-01-02", "2026-01-03")) {
      dates.add(
          new LakeCommitter.Staged(
              new CommitUnit(
                  io.medallion.lake.table.Dataset.GOLD_EVENTS.dateUnit(LocalDate.parse(date)),
                  Map.of()),
              Map.of("read", 0L),
              Map.of(),
              lake.resolve("_tmp/run1").toString(),
              List.of()));
    }
    List<Connection> holder = new ArrayList<>();
    try (LakeCatalog opened = LakeCatalog.open(waiting)) {
      for (LakeTable table : io.medallion.lake.table.Dataset.GOLD_EVENTS.tables()) {
        opened.table(table);
      }
      // Another process takes the catalog right after this run's first commit.
      LOCK_AFTER_NEXT_COMMIT.set(
          () -> {
            try {
              holder.add(lock(catalogFile()));
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            }
          });
      LakeCommitter committer =
          new LakeCommitter(LakeLayout.at(lake.toString()), opened, "run1", true, null);

      assertThatThrownBy(() -> committer.commit(start, dates))
          .isInstanceOf(CatalogLockedException.class)
          .hasMessage(
              "gold_event_stats date=2026-01-02; gold_events and gold_event_stats date=2026-01-03"
                  + " not committed: the catalog jdbc:sqlite:"
                  + catalogFile()
                  + "?busy_timeout=300 was locked by another process for longer than its wait"
                  + " (0.3 s, busy_timeout in --catalogUri); this run committed gold_events"
                  + " date=2026-01-02 (its report not written) before; run it again once that"
                  + " process is done with the catalog (a run replaces each unit whole)");
    } finally {
      LOCK_AFTER_NEXT_COMMIT.set(null);
      for (Connection c : holder) {
        c.close();
      }
    }

    // What it says is what happened.
    try (LakeCatalog opened = LakeCatalog.open(catalog())) {
      assertThat(units(opened.table(LakeTable.GOLD_EVENTS))).containsExactly("date=2026-01-02");
      assertThat(units(opened.table(LakeTable.GOLD_EVENT_STATS))).isEmpty();
    }
    assertThat(lake.resolve("_reports/gold")).doesNotExist();
  }

  /** Run once by the next commit of any table in this JVM, then disarmed (see the listener). */
  private static final AtomicReference<Runnable> LOCK_AFTER_NEXT_COMMIT = new AtomicReference<>();

  static {
    Listeners.register(
        event -> {
          Runnable action = LOCK_AFTER_NEXT_COMMIT.getAndSet(null);
          if (action != null) {
            action.run();
          }
        },
        CreateSnapshotEvent.class);
  }

  private static List<String> units(Table table) {
    List<String> units = new ArrayList<>();
    table.snapshots().forEach(snapshot -> units.add(snapshot.summary().get("lake.unit")));
    return units;
  }

  @Test
  void filesWrittenBeforeAColumnWasAddedReadItAsNullThroughReadSilverEvents() throws Exception {
    // Arrange: a silver table as an older definition had it, without event_subtype, and a file.
    LakeTable silver = LakeTable.SILVER_EVENTS;
    Schema older =
        new Schema(
            silver.schema().columns().stream()
                .filter(c -> !c.name().equals("event_subtype"))
                .toList());
    long micros = 1_711_315_195_000_000L;
    try (LakeCatalog opened = LakeCatalog.open(catalog())) {
      Table table =
          opened
              .iceberg()
              .buildTable(silver.identifier(CatalogSettings.DEFAULT_NAMESPACE), older)
              .withPartitionSpec(
                  PartitionSpec.builderFor(older).identity("dt").identity("hour").build())
              .withLocation(silver.location(LakeLayout.at(lake.toString())))
              .create();
      GenericRecord row = new GenericData.Record(LakeTable.avroSchema(silver, table.schema()));
      row.put("event_uuid", "old-1");
      row.put("event_name", "lesson:started");
      row.put("event_type", "lesson");
      row.put("created_at", micros);
      row.put("created_datetime", "2024-03-24T21:19:55Z");
      row.put("payload", "{}");
      row.put("dt", (int) LocalDate.parse("2024-03-24").toEpochDay());
      row.put("hour", 21);
      table.newAppend().appendFile(write(table, row, "dt=2024-03-24/hour=21")).commit();
    }

    // Act: opening the table through the lake adds the column; gold's read of silver reads the
    // old file by field id.
    try (LakeCatalog opened = LakeCatalog.open(catalog())) {
      assertThat(opened.table(silver).schema().findField("event_subtype")).isNotNull();
    }
    TestPipeline p = TestPipelines.create();
    PCollectionTuple read =
        p.apply(ReadSilverEvents.forDates(catalog(), List.of(LocalDate.parse("2024-03-24"))));
    PAssert.that(read.get(ReadSilverEvents.ROWS))
        .satisfies(
            rows -> {
              List<String> seen = new ArrayList<>();
              for (KV<String, byte[]> batch : rows) {
                for (GenericRecord r :
                    EncodedBatches.values(ReadSilverEvents.ROW, batch.getValue())) {
                  seen.add(
                      batch.getKey()
                          + " "
                          + r.get("event_uuid")
                          + " "
                          + r.get("event_type")
                          + " "
                          + r.get("event_subtype")
                          + " "
                          + r.get("created_at"));
                }
              }
              assertThat(seen).containsExactly("date=2024-03-24 old-1 lesson null " + micros);
              return null;
            });
    TestPipelines.run(p);
  }

  private static DataFile write(Table table, GenericRecord row, String partition)
      throws IOException {
    String path = table.location() + "/data/" + partition + "/old.parquet";
    FileAppender<GenericRecord> appender =
        Parquet.write(table.io().newOutputFile(path))
            .schema(table.schema())
            .createWriterFunc(ParquetAvroWriter::buildWriter)
            .build();
    try (appender) {
      appender.add(row);
    }
    return DataFiles.builder(table.spec())
        .withPath(path)
        .withFormat("parquet")
        .withFileSizeInBytes(appender.length())
        .withMetrics(appender.metrics())
        .withPartitionPath(partition)
        .build();
  }
}
