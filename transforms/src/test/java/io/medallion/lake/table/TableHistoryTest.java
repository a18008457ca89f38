package io.medallion.lake.table;

import static io.medallion.lake.testing.IcebergFixtures.promotion;
import static io.medallion.lake.testing.IcebergFixtures.replacePartitions;
import static io.medallion.lake.testing.IcebergFixtures.silverEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.testing.IcebergFixtures;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableHistoryTest {
  private static final LocalDate DAY = LocalDate.parse("2026-01-02");

  @TempDir Path lake;

  @Test
  void listsEverySnapshotOldestFirstWithThePromotionsCounts() throws Exception {
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      Table table = catalog.table(LakeTable.SILVER_EVENTS);
      Snapshot first =
          replacePartitions(
              table,
              List.of(
                  silverEvent(table, "a", "lesson:started", DAY, 3, 0),
                  silverEvent(table, "b", "lesson:started", DAY, 3, 1)),
              promotion("dt=2026-01-02/hour=03", "run-1", 3, 2, 1, 0));
      Snapshot second =
          replacePartitions(
              table,
              List.of(silverEvent(table, "c", "lesson:started", DAY, 3, 2)),
              promotion("dt=2026-01-02/hour=03", "run-2", 2, 1, 0, 1));

      List<TableHistory.Entry> history = TableHistory.of(table);

      assertThat(history).hasSize(2);
      TableHistory.Entry older = history.get(0);
      assertThat(older.snapshotId()).isEqualTo(first.snapshotId());
      assertThat(older.committedAt()).isEqualTo(Instant.ofEpochMilli(first.timestampMillis()));
      assertThat(older.operation()).isEqualTo("overwrite");
      assertThat(older.unit()).isEqualTo("dt=2026-01-02/hour=03");
      assertThat(older.runId()).isEqualTo("run-1");
      assertThat(List.of(older.read(), older.written(), older.quarantined()))
          .containsExactly(OptionalLong.of(3), OptionalLong.of(2), OptionalLong.of(1));
      assertThat(older.addedRecords()).hasValue(2);
      assertThat(older.deletedRecords()).isEmpty();
      assertThat(older.current()).isFalse();
      TableHistory.Entry newer = history.get(1);
      assertThat(newer.snapshotId()).isEqualTo(second.snapshotId());
      assertThat(newer.runId()).isEqualTo("run-2");
      assertThat(newer.duplicatesRemoved()).hasValue(1);
      assertThat(newer.addedRecords()).hasValue(1);
      assertThat(newer.deletedRecords()).hasValue(2);
      assertThat(newer.current()).isTrue();
    }
  }

  @Test
  void aCommitWithoutPromotionPropertiesHasEmptyCountsAndABadCountSaysWhichSnapshot()
      throws Exception {
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      Table table = catalog.table(LakeTable.SILVER_EVENTS);
      replacePartitions(
          table, List.of(silverEvent(table, "a", "lesson:started", DAY, 3, 0)), Map.of());

      TableHistory.Entry entry = TableHistory.of(table).get(0);

      assertThat(entry.unit()).isNull();
      assertThat(entry.read()).isEmpty();
      assertThat(entry.addedRecords()).hasValue(1);

      Snapshot bad =
          replacePartitions(
              table,
              List.of(silverEvent(table, "b", "lesson:started", DAY, 3, 0)),
              Map.of("lake.read", "many"));
      assertThatThrownBy(() -> TableHistory.of(table))
          .hasMessage("snapshot " + bad.snapshotId() + ": lake.read is not a count: 'many'");
    }
  }
}
