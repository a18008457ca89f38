package io.medallion.lake.table;

import static io.medallion.lake.testing.IcebergFixtures.promotion;
import static io.medallion.lake.testing.IcebergFixtures.replacePartitions;
import static io.medallion.lake.testing.IcebergFixtures.row;
import static io.medallion.lake.testing.IcebergFixtures.silverEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.testing.IcebergFixtures;
import io.medallion.lake.testing.ReadersAgree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotViewsTest {
  private static final LocalDate DAY = LocalDate.parse("2026-01-02");

  @TempDir Path lake;
  private LakeCatalog catalog;
  private Connection db;

  @BeforeEach
  void open() throws SQLException {
    catalog = IcebergFixtures.localCatalog(lake);
    db = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement s = db.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
    }
  }

  @AfterEach
  void close() throws Exception {
    db.close();
    catalog.close();
  }

  @Test
  void aViewReadsOnlyTheCurrentSnapshotsFilesNotTheReplacedOneStillOnDisk() throws Exception {
    Table table = catalog.table(LakeTable.SILVER_EVENTS);
    Snapshot first =
        replacePartitions(
            table,
            List.of(
                silverEvent(table, "a", "lesson:started", DAY, 3, 1),
                silverEvent(table, "b", "lesson:started", DAY, 3, 2),
                silverEvent(table, "c", "account:created", DAY, 4, 0)),
            promotion("dt=2026-01-02/hour=03", "run-1", 3, 3, 0, 0));
    replacePartitions(
        table,
        List.of(silverEvent(table, "d", "lesson:ended", DAY, 3, 5)),
        promotion("dt=2026-01-02/hour=03", "run-2", 1, 1, 0, 0));

    SnapshotViews.create(db, LakeTable.SILVER_EVENTS, Optional.of(table), current(table));

    assertThat(parquetFilesOnDisk(LakeTable.SILVER_EVENTS)).hasSize(3);
    assertThat(strings("select event_uuid from silver_events order by 1"))
        .containsExactly("c", "d");
    assertThat(
            strings(
                "select typeof(created_at) || ',' || typeof(dt) || ',' || typeof(hour)"
                    + " from silver_events limit 1"))
        .containsExactly("TIMESTAMP WITH TIME ZONE,DATE,INTEGER");
    assertThat(ReadersAgree.assertReadersAgree(catalog, LakeTable.SILVER_EVENTS)).isEqualTo(2);

    SnapshotViews.create(
        db, LakeTable.SILVER_EVENTS, Optional.of(table), Optional.of(first.snapshotId()));

    assertThat(strings("select event_uuid from silver_events order by 1"))
        .containsExactly("a", "b", "c");
    assertThat(
            ReadersAgree.assertReadersAgree(
                catalog, LakeTable.SILVER_EVENTS, Optional.of(first.snapshotId())))
        .isEqualTo(3);
  }

  @Test
  void aMissingTableOrOneWithoutSnapshotsIsAnEmptyViewWithTheTablesColumnsAndTypes()
      throws Exception {
    SnapshotViews.create(db, LakeTable.GOLD_EVENTS, Optional.empty(), Optional.empty());
    Table stats = catalog.table(LakeTable.GOLD_EVENT_STATS);
    SnapshotViews.create(db, LakeTable.GOLD_EVENT_STATS, Optional.of(stats), Optional.empty());

    assertThat(strings("select count(*) from gold_events")).containsExactly("0");
    assertThat(columnTypes("gold_events"))
        .containsEntry("event_uuid", "VARCHAR")
        .containsEntry("created_at", "TIMESTAMP WITH TIME ZONE")
        .containsEntry("date", "DATE")
        .hasSize(LakeTable.GOLD_EVENTS.schema().columns().size());
    assertThat(strings("select count(*), sum(event_count) from gold_event_stats"))
        .containsExactly("0,null");
    assertThat(columnTypes("gold_event_stats")).containsEntry("event_count", "BIGINT");
  }

  @Test
  void filesWrittenBeforeAColumnWasAddedReadItAsNull() throws Exception {
    Table table = catalog.table(LakeTable.GOLD_EVENT_STATS);
    replacePartitions(table, List.of(stats(table, DAY, "lesson", 3)), Map.of());
    table.updateSchema().addColumn("source_rows", Types.LongType.get()).commit();
    table.refresh();
    Map<String, Object> values = statsValues(DAY.plusDays(1), "lesson", 5);
    values.put("source_rows", 7L);
    replacePartitions(table, List.of(row(table, values)), Map.of());

    SnapshotViews.create(db, LakeTable.GOLD_EVENT_STATS, Optional.of(table), current(table));

    assertThat(strings("select date, source_rows from gold_event_stats order by date"))
        .containsExactly("2026-01-02,null", "2026-01-03,7");
    ReadersAgree.assertReadersAgree(catalog, LakeTable.GOLD_EVENT_STATS);
  }

  @Test
  void aColumnNoFileHasYetReadsAsATypedNull() throws Exception {
    Table table = catalog.table(LakeTable.GOLD_EVENT_STATS);
    replacePartitions(table, List.of(stats(table, DAY, "lesson", 3)), Map.of());
    table.updateSchema().addColumn("source_rows", Types.LongType.get()).commit();
    table.refresh();

    SnapshotViews.create(db, LakeTable.GOLD_EVENT_STATS, Optional.of(table), current(table));

    assertThat(strings("select event_count, source_rows from gold_event_stats"))
        .containsExactly("3,null");
    assertThat(columnTypes("gold_event_stats")).containsEntry("source_rows", "BIGINT");
  }

  @Test
  void dataFilesOnS3AreAClearUserMistakeAndFileUrisAreLocalPaths() {
    assertThat(SnapshotViews.localPath("file:/tmp/a.parquet")).isEqualTo("/tmp/a.parquet");
    assertThat(SnapshotViews.localPath("file:///tmp/a.parquet")).isEqualTo("/tmp/a.parquet");
    assertThat(SnapshotViews.localPath("/tmp/a.parquet")).isEqualTo("/tmp/a.parquet");
    assertThatThrownBy(() -> SnapshotViews.localPath("s3://lake/x/data/a.parquet"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("query needs a local lake: DuckDB cannot load its httpfs")
        .hasMessageContaining("s3://");
  }

  private static Optional<Long> current(Table table) {
    table.refresh();
    return Optional.of(table.currentSnapshot().snapshotId());
  }

  static Record stats(Table table, LocalDate date, String type, long count) {
    return row(table, statsValues(date, type, count));
  }

  static Map<String, Object> statsValues(LocalDate date, String type, long count) {
    OffsetDateTime start = date.atStartOfDay().atOffset(ZoneOffset.UTC);
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("date", date);
    values.put("event_type", type);
    values.put("event_subtype", null);
    values.put("event_count", count);
    values.put("distinct_events", count);
    values.put("duplicates_removed", 0L);
    values.put("first_created_at", start);
    values.put("last_created_at", start.plusHours(1));
    return values;
  }

  private List<Path> parquetFilesOnDisk(LakeTable table) throws IOException {
    try (Stream<Path> files = Files.walk(lake.resolve(table.relativeLocation()))) {
      return files.filter(p -> p.toString().endsWith(".parquet")).toList();
    }
  }

  private List<String> strings(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(String.valueOf(rs.getObject(i)));
        }
        rows.add(String.join(",", row));
      }
    }
    return rows;
  }

  private Map<String, String> columnTypes(String view) throws SQLException {
    Map<String, String> types = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("DESCRIBE " + view)) {
      while (rs.next()) {
        types.put(rs.getString("column_name"), rs.getString("column_type"));
      }
    }
    return types;
  }
}
