package io.medallion.lake.runners;

import static io.medallion.lake.runners.FixtureLake.lake;
import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.runners.FixtureLake.Result;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.IcebergFixtures;
import io.medallion.lake.testing.RowDeleteFixtures;
import io.medallion.lake.testing.RowDeleteFixtures.RowAt;
import java.nio.file.Path;
import java.util.List;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands over tables that another engine deleted rows of with row-level delete files: {@code
 * lake query}, {@code --as-of}, {@code lake tables} and {@code lake maintain} leave the deleted
 * rows out, and time travel to before the delete still shows them.
 */
class RowLevelDeletesCommandsTest {
  @TempDir Path temp;

  @Test
  void queryTablesAndMaintainLeaveDeletedRowsOut() throws Exception {
    FixtureLake fixture = FixtureLake.build(temp.resolve("lake"));
    Path lake = fixture.root();
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      Table silver = catalog.table(LakeTable.SILVER_EVENTS);
      RowDeleteFixtures.deletePositions(silver, RowDeleteFixtures.find(silver, "event_uuid", "d"));
      List<RowAt> f = RowDeleteFixtures.find(silver, "event_uuid", "f");
      RowDeleteFixtures.deleteEqual(
          silver, f.get(0).file().partition(), "event_uuid", List.of("f"));
      Table gold = catalog.table(LakeTable.GOLD_EVENTS);
      RowDeleteFixtures.deletePositions(gold, RowDeleteFixtures.find(gold, "event_uuid", "e"));
    }
    String silverSql = "select event_uuid from silver_events order by 1";
    String goldSql = "select event_uuid from gold_events order by 1";

    Result silver = lake("query", "--lake=" + lake, silverSql, "--format=csv");
    Result gold = lake("query", "--lake=" + lake, goldSql, "--format=csv");
    Result before =
        lake(
            "query",
            "--lake=" + lake,
            silverSql,
            "--format=csv",
            "--as-of=" + fixture.hour3Second().snapshotId());
    Result tables = lake("tables", "--lake=" + lake, "--format=csv");
    Result history = lake("history", "silver_events", "--lake=" + lake, "--format=csv");

    assertThat(silver.status()).as(silver.err()).isZero();
    assertThat(silver.lines()).containsExactly("event_uuid", "e");
    assertThat(gold.lines()).containsExactly("event_uuid", "d", "f");
    assertThat(before.status()).as(before.err()).isZero();
    assertThat(before.lines()).containsExactly("event_uuid", "d", "e", "f");
    // Another engine's commits list like the lake's, without a unit or run id.
    assertThat(history.status()).as(history.err()).isZero();
    assertThat(history.lines()).hasSize(6).last().asString().contains(",delete,");
    assertThat(tables.lines())
        .contains("silver_events,9,1," + lake + "/silver/events")
        .contains("gold_events,8,2," + lake + "/gold/events");

    Result maintain = lake("maintain", "--lake=" + lake);

    assertThat(maintain.status()).as(maintain.err()).isZero();
    assertThat(maintain.out())
        .contains("compact dt=2026-01-02/hour=3: 1 file(s)")
        .contains("compact dt=2026-01-02/hour=4: 1 file(s)")
        .contains("1 delete file(s) applied, 1 rows deleted")
        .contains("compact event_type=lesson/date=2026-01-02: 1 file(s)");
    assertThat(lake("query", "--lake=" + lake, silverSql, "--format=csv").lines())
        .containsExactly("event_uuid", "e");
    assertThat(lake("query", "--lake=" + lake, goldSql, "--format=csv").lines())
        .containsExactly("event_uuid", "d", "f");
    assertThat(lake("tables", "--lake=" + lake, "--format=csv").lines())
        .contains("silver_events,9,1," + lake + "/silver/events");
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      for (LakeTable table : List.of(LakeTable.SILVER_EVENTS, LakeTable.GOLD_EVENTS)) {
        assertThat(
                catalog
                    .table(table)
                    .currentSnapshot()
                    .summary()
                    .get(SnapshotSummary.TOTAL_DELETE_FILES_PROP))
            .as(table.tableName())
            .isEqualTo("0");
      }
    }
  }
}
