package io.medallion.lake.runners;

import static io.medallion.lake.runners.FixtureLake.lake;
import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.commit.CommitUnit;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.commit.LakeCommitter;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.IcebergFixtures;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusTest {
  private static final LocalDate D = LocalDate.parse("2026-01-02");
  private static final Map<String, Long> NOTHING_READ = Map.of(Counts.READ, 0L);

  @TempDir Path lake;

  @Test
  void aCleanLakeSaysSo() {
    FixtureLake.Result r = lake("status", "--lake=" + lake);

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines())
        .containsExactly(
            "nothing pending: every unit committed and reported, every dataset's tables agree");
  }

  @Test
  void namesAGoldDateKilledBetweenItsCommitsAndADateSilverChanged() throws Exception {
    LakeLayout layout = LakeLayout.at(lake.toString());
    Dataset.Unit date = Dataset.GOLD_EVENTS.dateUnit(D);
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      // A gold run commits the date to both tables and reports it.
      new LakeCommitter(layout, catalog, "gold-1", true, null)
          .commit(
              new HashMap<>(),
              List.of(
                  new LakeCommitter.Staged(
                      new CommitUnit(date, Map.of()),
                      NOTHING_READ,
                      Map.of(),
                      layout.staging("gold-1"),
                      List.of())));
      // The next one marks it in flight, commits gold_events, and dies.
      PendingPromotions.markInFlight(layout, Dataset.GOLD_EVENTS, date.name(), "gold-2");
      LakeCommitter.overwrite(
          catalog.table(LakeTable.GOLD_EVENTS),
          null,
          date.rows(),
          List.of(),
          "gold-2",
          date.name(),
          NOTHING_READ);
    }
    // Silver adds rows to a date gold never promoted.
    PendingPromotions.mark(
        layout,
        Dataset.GOLD_EVENTS,
        "date=2026-01-03",
        "silver-1",
        Map.of(PendingPromotions.ROWS_FROM, List.of("silver/events dt=2026-01-03/hour=00")));

    FixtureLake.Result r = lake("status", "--lake=" + lake, "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines())
        .containsExactly(
            "dataset,unit,state,run_id,repair",
            "gold/events,date=2026-01-02,in_flight,gold-2,lake gold --pending",
            "gold/events,date=2026-01-03,rows_changed,,"
                + "its first promotion (never promoted: --pending leaves it)",
            "gold/events,date=2026-01-02,unpaired,gold-2,lake gold --pending");
  }

  @Test
  void aDateKilledAfterItsTypedTablesIsOneUnpairedRowAndQueriesReadItsTypedTablesOld()
      throws Exception {
    FixtureLake.build(lake);
    LakeLayout layout = LakeLayout.at(lake.toString());
    LocalDate next = D.plusDays(1);
    Dataset.Unit date = Dataset.GOLD_EVENTS.dateUnit(next);
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake)) {
      // A gold run of the next date commits gold_events and two typed tables, then dies.
      PendingPromotions.markInFlight(layout, Dataset.GOLD_EVENTS, date.name(), "gold-3");
      Map<String, String> summary = IcebergFixtures.promotion(date.name(), "gold-3", 1, 1, 0, 0);
      for (LakeTable table :
          List.of(LakeTable.GOLD_EVENTS, TableFamily.TYPED_EVENTS.member("gold_evt_quiz_viewed"))) {
        LakeCommitter.overwrite(
            catalog.table(table),
            null,
            date.rows(),
            List.of(),
            "gold-3",
            date.name(),
            NOTHING_READ);
      }
      Table typed = catalog.table(FixtureLake.TYPED);
      Map<String, Object> row = new HashMap<>();
      row.put("event_uuid", "g");
      row.put("event_name", "lesson:ended");
      row.put("created_at", next.atStartOfDay().atOffset(java.time.ZoneOffset.UTC));
      row.put("created_datetime", next + "T00:00:00Z");
      row.put("date", next);
      IcebergFixtures.replacePartitions(typed, List.of(IcebergFixtures.row(typed, row)), summary);
    }

    FixtureLake.Result status = lake("status", "--lake=" + lake, "--format=csv");
    FixtureLake.Result typedRows =
        lake(
            "query",
            "--lake=" + lake,
            "select string_agg(event_uuid, ' ' order by event_uuid) from gold_evt_lesson_ended",
            "--format=csv");

    assertThat(status.status()).as(status.err()).isZero();
    assertThat(status.lines())
        .containsExactly(
            "dataset,unit,state,run_id,repair",
            "gold/events,date=2026-01-03,in_flight,gold-3,lake gold --pending",
            "gold/events,date=2026-01-03,unpaired,gold-3,lake gold --pending");
    assertThat(typedRows.status()).as(typedRows.err()).isZero();
    assertThat(typedRows.lines().get(1)).isEqualTo("d e");
  }
}
