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
import java.util.Optional;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AsOfTest {
  private static final LocalDate DAY = LocalDate.parse("2026-01-02");

  @TempDir Path lake;

  @Test
  void parsesSnapshotIdsDatesAndTimesInUtc() {
    assertThat(AsOf.parse(null)).isEqualTo(AsOf.current());
    assertThat(AsOf.parse(" ")).isEqualTo(AsOf.current());
    assertThat(AsOf.parse("4381572648519348000"))
        .isEqualTo(new AsOf.AtSnapshot(4381572648519348000L));
    assertThat(AsOf.parse("2026-01-02"))
        .isEqualTo(new AsOf.AtTime(Instant.parse("2026-01-02T00:00:00Z")));
    assertThat(AsOf.parse("2026-01-02T03:04:05Z"))
        .isEqualTo(new AsOf.AtTime(Instant.parse("2026-01-02T03:04:05Z")));
    assertThat(AsOf.parse("2026-01-02T03:04:05.250+01:00"))
        .isEqualTo(new AsOf.AtTime(Instant.parse("2026-01-02T02:04:05.250Z")));
    assertThat(AsOf.parse("2026-01-02T03:04"))
        .isEqualTo(new AsOf.AtTime(Instant.parse("2026-01-02T03:04:00Z")));
    assertThat(AsOf.parse("2026-01-02 03:04:05"))
        .isEqualTo(new AsOf.AtTime(Instant.parse("2026-01-02T03:04:05Z")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"yesterday", "2026-13-02", "2026-01-02T25:00", "99999999999999999999"})
  void anythingElseIsOneClearLine(String value) {
    assertThatThrownBy(() -> AsOf.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--as-of: '"
                + value
                + "' is not a snapshot id (lake history <table> lists them), a date like"
                + " 2026-01-02 or a time like 2026-01-02T03:04:05Z");
  }

  @Test
  void aSnapshotIdReadsItsTableAtItAndTheOthersAtItsCommitTime() throws Exception {
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      Table silver = catalog.table(LakeTable.SILVER_EVENTS);
      Table stats = catalog.table(LakeTable.GOLD_EVENT_STATS);
      Snapshot silverFirst = promote(silver, "run-1");
      Thread.sleep(5);
      Snapshot statsFirst =
          replacePartitions(
              stats, List.of(SnapshotViewsTest.stats(stats, DAY, "lesson", 1)), Map.of());
      Thread.sleep(5);
      Snapshot silverSecond = promote(silver, "run-2");
      Map<LakeTable, Table> tables =
          Map.of(LakeTable.SILVER_EVENTS, silver, LakeTable.GOLD_EVENT_STATS, stats);

      assertThat(new AsOf.AtSnapshot(silverFirst.snapshotId()).resolve(tables))
          .containsEntry(LakeTable.SILVER_EVENTS, Optional.of(silverFirst.snapshotId()))
          .containsEntry(LakeTable.GOLD_EVENT_STATS, Optional.empty());
      assertThat(new AsOf.AtSnapshot(statsFirst.snapshotId()).resolve(tables))
          .containsEntry(LakeTable.SILVER_EVENTS, Optional.of(silverFirst.snapshotId()))
          .containsEntry(LakeTable.GOLD_EVENT_STATS, Optional.of(statsFirst.snapshotId()));
      assertThat(AsOf.current().resolve(tables))
          .containsEntry(LakeTable.SILVER_EVENTS, Optional.of(silverSecond.snapshotId()));
      assertThat(
              new AsOf.AtTime(Instant.ofEpochMilli(silverSecond.timestampMillis()).minusMillis(1))
                  .resolve(tables))
          .containsEntry(LakeTable.SILVER_EVENTS, Optional.of(silverFirst.snapshotId()))
          .containsEntry(LakeTable.GOLD_EVENT_STATS, Optional.of(statsFirst.snapshotId()));
    }
  }

  @Test
  void aTimeBeforeEveryFirstSnapshotOrAnUnknownSnapshotIdIsAUserMistake() throws Exception {
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      Table silver = catalog.table(LakeTable.SILVER_EVENTS);
      Snapshot first = promote(silver, "run-1");
      Map<LakeTable, Table> tables = Map.of(LakeTable.SILVER_EVENTS, silver);

      assertThatThrownBy(() -> AsOf.parse("2020-01-01").resolve(tables))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "--as-of: 2020-01-01T00:00:00Z is before the first snapshot of every lake table ("
                  + Instant.ofEpochMilli(first.timestampMillis())
                  + ")");
      assertThatThrownBy(() -> AsOf.parse("12345").resolve(tables))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("--as-of: no lake table has snapshot 12345");
      assertThatThrownBy(() -> AsOf.parse("2026-01-01").resolve(Map.of()))
          .hasMessage("--as-of: 2026-01-01T00:00:00Z: the lake's tables have no snapshots yet");
    }
  }

  private static Snapshot promote(Table silver, String run) {
    return replacePartitions(
        silver,
        List.of(silverEvent(silver, run, "lesson:started", DAY, 3, 0)),
        promotion("dt=2026-01-02/hour=03", run, 1, 1, 0, 0));
  }
}
