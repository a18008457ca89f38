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
import io.medallion.lake.testing.IcebergFixtures;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
}
