package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.table.AsOf;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.SnapshotViews;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.table.TableMaintenance;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.IcebergFixtures;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.RowDeleteFixtures;
import io.medallion.lake.testing.RowDeleteFixtures.RowAt;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows deleted from silver and gold by another engine, with row-level delete files as Athena, Spark
 * and Flink write them (position deletes and equality deletes on {@code event_uuid}), on a lake
 * promoted by the real pipelines: the views {@code lake query} and {@code --as-of} read, gold's
 * re-promotion of a date and {@code lake maintain}'s compaction all leave the deleted rows out, and
 * every other row reads as it did before the delete.
 */
class RowLevelDeletesTest {
  private static final LocalDate MARCH_24 = LocalDate.parse("2024-03-24");
  private static final String APRIL_UUID = "78d1b928-37e0-41a0-bf41-ea9d86b27e5a";

  @TempDir Path lake;

  @Test
  void deletedRowsStayDeletedThroughQueryAsOfGoldAndMaintenance() throws Exception {
    BronzeFixtures.writeStandardLake(lake);
    SilverEventsTest.promote(
        lake,
        List.of(BronzeFixtures.AUGUST, BronzeFixtures.MARCH, BronzeFixtures.APRIL),
        Duration.ofHours(6),
        "silver1");
    GoldEventsTest.promote(
        lake,
        List.of(LocalDate.parse("2021-08-17"), MARCH_24, LocalDate.parse("2024-04-07")),
        4,
        "gold1");
    List<String> silverBefore = view(LakeTable.SILVER_EVENTS, Optional.empty());
    List<String> goldBefore = view(LakeTable.GOLD_EVENTS, Optional.empty());
    long silverStart;
    long goldStart;
    long silverDeleted;
    long goldFirstDelete;
    long goldDeleted;
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      Table silver = catalog.table(LakeTable.SILVER_EVENTS);
      Table gold = catalog.table(LakeTable.GOLD_EVENTS);
      silverStart = silver.currentSnapshot().snapshotId();
      goldStart = gold.currentSnapshot().snapshotId();

      // Athena's DELETE: a position delete of h2's single silver row; Flink's upsert: an
      // equality delete of every silver row of event 2 (delivered twice).
      List<RowAt> h2 = RowDeleteFixtures.find(silver, "event_uuid", "h2");
      assertThat(h2).hasSize(1);
      RowDeleteFixtures.deletePositions(silver, h2);
      List<RowAt> two = RowDeleteFixtures.find(silver, "event_uuid", "2");
      assertThat(two).hasSize(2);
      silverDeleted =
          RowDeleteFixtures.deleteEqual(
                  silver, two.get(0).file().partition(), "event_uuid", List.of("2"))
              .snapshotId();

      // Gold: a position delete of event 1; an equality delete of h1, then a new h1 row
      // appended after it (a later data sequence number: the delete does not apply to it); an
      // equality delete of April's only event, on a date no re-promotion below touches.
      goldFirstDelete =
          RowDeleteFixtures.deletePositions(gold, RowDeleteFixtures.find(gold, "event_uuid", "1"))
              .snapshotId();
      List<RowAt> h1 = RowDeleteFixtures.find(gold, "event_uuid", "h1");
      assertThat(h1).hasSize(1);
      Record newH1 = RowDeleteFixtures.rowOf(gold, h1.get(0));
      newH1.setField("payload", "{\"rewritten\":true}");
      RowDeleteFixtures.deleteEqual(
          gold, h1.get(0).file().partition(), "event_uuid", List.of("h1"));
      gold.newAppend().appendFile(IcebergFixtures.writeFile(gold, List.of(newH1))).commit();
      List<RowAt> april = RowDeleteFixtures.find(gold, "event_uuid", APRIL_UUID);
      goldDeleted =
          RowDeleteFixtures.deleteEqual(
                  gold, april.get(0).file().partition(), "event_uuid", List.of(APRIL_UUID))
              .snapshotId();
    }

    // lake query: the current snapshots, deletes applied.
    List<String> silverAfter = without(silverBefore, "h2", "2");
    assertThat(silverBefore.size() - silverAfter.size()).isEqualTo(3);
    assertThat(view(LakeTable.SILVER_EVENTS, Optional.empty()))
        .containsExactlyInAnyOrderElementsOf(silverAfter);
    // h1's old row is deleted, the row appended after the equality delete is not.
    List<String> goldNow = view(LakeTable.GOLD_EVENTS, Optional.empty());
    String newH1Row = only(goldNow, "h1");
    assertThat(newH1Row).contains("{\"rewritten\":true}").isNotEqualTo(only(goldBefore, "h1"));
    List<String> goldAfter = new ArrayList<>(without(goldBefore, "1", APRIL_UUID, "h1"));
    goldAfter.add(newH1Row);
    assertThat(goldNow).containsExactlyInAnyOrderElementsOf(goldAfter);
    // Iceberg's own generic reader, which applies deletes, reads the same events.
    assertThat(uuids(view(LakeTable.SILVER_EVENTS, Optional.empty())))
        .containsExactlyInAnyOrderElementsOf(icebergUuids(LakeTable.SILVER_EVENTS));
    assertThat(uuids(view(LakeTable.GOLD_EVENTS, Optional.empty())))
        .containsExactlyInAnyOrderElementsOf(icebergUuids(LakeTable.GOLD_EVENTS));

    // --as-of: a snapshot with deletes reads without the rows, an older one still shows them.
    assertThat(view(LakeTable.SILVER_EVENTS, Optional.of(silverDeleted)))
        .containsExactlyInAnyOrderElementsOf(silverAfter);
    assertThat(view(LakeTable.SILVER_EVENTS, Optional.of(silverStart)))
        .containsExactlyInAnyOrderElementsOf(silverBefore);
    assertThat(view(LakeTable.GOLD_EVENTS, Optional.of(goldStart)))
        .containsExactlyInAnyOrderElementsOf(goldBefore);
    assertThat(view(LakeTable.GOLD_EVENTS, Optional.of(goldFirstDelete)))
        .containsExactlyInAnyOrderElementsOf(without(goldBefore, "1"));
    assertThat(view(LakeTable.GOLD_EVENTS, Optional.of(goldDeleted)))
        .containsExactlyInAnyOrderElementsOf(goldAfter);

    // Gold re-promoted for March 24 reads silver with its deletes: h2 and 2 do not reach gold.
    // The re-promotion replaces gold's date, so gold's own deletes of that date end with it.
    GoldEventsTest.promote(lake, List.of(MARCH_24), 4, "gold2");
    List<String> goldRepromoted = without(goldBefore, "h2", "2", APRIL_UUID);
    assertThat(goldRepromoted).hasSize(goldBefore.size() - 3);
    assertThat(view(LakeTable.GOLD_EVENTS, Optional.empty()))
        .containsExactlyInAnyOrderElementsOf(goldRepromoted);
    assertThat(
            DuckDb.count(
                "SELECT sum(distinct_events) FROM "
                    + LakeTables.duckDb(lake, LakeTable.GOLD_EVENT_STATS)
                    + " WHERE date = DATE '2024-03-24'"))
        .isEqualTo(goldRepromoted.stream().filter(r -> r.endsWith("|2024-03-24")).count());
    assertThat(
            uuids(
                view(TableFamily.TYPED_EVENTS.member("gold_evt_lesson_started"), Optional.empty())))
        .doesNotContain("2")
        .contains("h3");
    assertThat(tasksWithDeletes(LakeTable.GOLD_EVENTS))
        .allMatch(t -> !t.contains("date=2024-03-24"))
        .hasSize(1);
    assertThat(deleteFilesOf(LakeTable.GOLD_EVENTS)).isEqualTo(1); // April's

    // A delete from gold after the date's promotion (and its pair in gold_event_stats): read at
    // once, and still after lake maintain compacts it (a compaction is not a unit commit that would
    // pin gold_events to the snapshot gold_event_stats names).
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      Table gold = catalog.table(LakeTable.GOLD_EVENTS);
      List<RowAt> h3 = RowDeleteFixtures.find(gold, "event_uuid", "h3");
      RowDeleteFixtures.deleteEqual(
          gold, h3.get(0).file().partition(), "event_uuid", List.of("h3"));
    }
    List<String> goldFinal = without(goldRepromoted, "h3");
    assertThat(view(LakeTable.GOLD_EVENTS, Optional.empty()))
        .containsExactlyInAnyOrderElementsOf(goldFinal);

    // lake maintain: the partitions with deletes are rewritten without the deleted rows, their
    // delete files removed; every table reads as before it.
    TableMaintenance.Settings settings =
        new TableMaintenance.Settings(
            Instant.now(),
            Duration.ofDays(7),
            1,
            Duration.ofDays(3),
            false,
            5,
            128L << 20,
            false,
            "maintain-1");
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      TableMaintenance.Report silverReport =
          TableMaintenance.maintain(
              LakeTable.SILVER_EVENTS, catalog.table(LakeTable.SILVER_EVENTS), settings);
      assertThat(silverReport.compactions())
          .filteredOn(c -> c.deleteFiles() > 0)
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.skipped()).isEmpty();
                assertThat(c.deleteFiles()).isEqualTo(2);
                assertThat(c.rowsDeleted()).isEqualTo(silverBefore.size() - silverAfter.size());
              });
      TableMaintenance.Report goldReport =
          TableMaintenance.maintain(
              LakeTable.GOLD_EVENTS, catalog.table(LakeTable.GOLD_EVENTS), settings);
      assertThat(goldReport.compactions())
          .allSatisfy(
              c -> {
                assertThat(c.skipped()).isEmpty();
                assertThat(c.rowsDeleted()).isEqualTo(1);
              })
          .extracting(c -> c.partition() + " -> " + c.filesAfter())
          .containsExactlyInAnyOrder(
              "event_type=account/date=2024-04-07 -> 0", "event_type=lesson/date=2024-03-24 -> 0");
    }
    assertThat(tasksWithDeletes(LakeTable.SILVER_EVENTS)).isEmpty();
    assertThat(tasksWithDeletes(LakeTable.GOLD_EVENTS)).isEmpty();
    assertThat(deleteFilesOf(LakeTable.SILVER_EVENTS)).isZero();
    assertThat(deleteFilesOf(LakeTable.GOLD_EVENTS)).isZero();
    assertThat(view(LakeTable.SILVER_EVENTS, Optional.empty()))
        .containsExactlyInAnyOrderElementsOf(silverAfter);
    assertThat(view(LakeTable.GOLD_EVENTS, Optional.empty()))
        .containsExactlyInAnyOrderElementsOf(goldFinal);
    // The files themselves no longer hold the deleted rows: a plain read of them agrees.
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.SILVER_EVENTS))
        .isEqualTo(silverAfter.size());
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.GOLD_EVENTS))
        .isEqualTo(goldFinal.size());
    // Time travel to before the deletes still shows the rows until that snapshot expires.
    assertThat(view(LakeTable.SILVER_EVENTS, Optional.of(silverStart)))
        .containsExactlyInAnyOrderElementsOf(silverBefore);
  }

  /**
   * The rows of {@code table}'s view at {@code snapshot} (the current one when empty), as {@code
   * lake query} builds it (the snapshots resolved for every table of the catalog, pairs pinned),
   * each as its columns cast to text joined by {@code |}.
   */
  private List<String> view(LakeTable table, Optional<Long> snapshot) throws Exception {
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake));
        Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = db.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
      Map<LakeTable, Table> tables = new LinkedHashMap<>();
      for (LakeTable t : catalog.tables()) {
        catalog.existing(t).ifPresent(loaded -> tables.put(t, loaded));
      }
      AsOf asOf = snapshot.isPresent() ? new AsOf.AtSnapshot(snapshot.get()) : AsOf.current();
      SnapshotViews.create(
          db,
          table,
          Optional.ofNullable(tables.get(table)),
          asOf.resolve(tables).getOrDefault(table, Optional.empty()));
      String columns =
          table.schema().columns().stream()
              .map(NestedField::name)
              .map(c -> "coalesce(CAST(\"" + c + "\" AS VARCHAR), '∅')")
              .collect(Collectors.joining(", "));
      List<String> rows = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT concat_ws('|', " + columns + ") FROM \"" + table.tableName() + "\"")) {
        while (rs.next()) {
          rows.add(rs.getString(1));
        }
      }
      return rows;
    }
  }

  private static List<String> without(List<String> rows, String... uuids) {
    List<String> kept = new ArrayList<>();
    for (String row : rows) {
      if (!List.of(uuids).contains(uuid(row))) {
        kept.add(row);
      }
    }
    return kept;
  }

  private static String only(List<String> rows, String uuid) {
    return rows.stream().filter(r -> uuid(r).equals(uuid)).reduce((a, b) -> a + "\n" + b).get();
  }

  private static String uuid(String row) {
    return row.substring(0, row.indexOf('|'));
  }

  private static List<String> uuids(List<String> rows) {
    return rows.stream().map(RowLevelDeletesTest::uuid).toList();
  }

  private List<String> icebergUuids(LakeTable table) {
    return LakeTables.generics(LakeTables.catalog(lake), table).stream()
        .map(r -> (String) r.getField("event_uuid"))
        .toList();
  }

  /** The partitions of the current snapshot's data files that have delete files. */
  private List<String> tasksWithDeletes(LakeTable table) throws Exception {
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      Table loaded = catalog.table(table);
      List<String> partitions = new ArrayList<>();
      try (CloseableIterable<FileScanTask> tasks = loaded.newScan().planFiles()) {
        for (FileScanTask task : tasks) {
          if (!task.deletes().isEmpty()) {
            partitions.add(
                loaded.specs().get(task.file().specId()).partitionToPath(task.file().partition()));
          }
        }
      }
      return partitions;
    }
  }

  private long deleteFilesOf(LakeTable table) throws Exception {
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      return Long.parseLong(
          catalog
              .table(table)
              .currentSnapshot()
              .summary()
              .getOrDefault(SnapshotSummary.TOTAL_DELETE_FILES_PROP, "0"));
    }
  }
}
