package io.medallion.lake.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingPromotionsTest {
  @TempDir Path dir;

  @Test
  void aPromotionClearsOnlyTheMarksItListedBeforeReading() throws Exception {
    LakeLayout lake = LakeLayout.at(dir.toString());
    PendingPromotions.mark(
        lake, Dataset.GOLD_EVENTS, "date=2026-01-02", "run-a", Map.of("rows", 3));
    PendingPromotions.mark(
        lake, Dataset.GOLD_EVENTS, "date=2026-01-01", "run-a", Map.of("rows", 1));

    List<String> listedByGold =
        PendingPromotions.markersOf(lake, Dataset.GOLD_EVENTS, "date=2026-01-02");
    // silver commits more rows for the date while the gold run is reading
    PendingPromotions.mark(
        lake, Dataset.GOLD_EVENTS, "date=2026-01-02", "run-b", Map.of("rows", 2));
    PendingPromotions.clear(listedByGold);

    Map<String, List<String>> pending = PendingPromotions.list(lake, Dataset.GOLD_EVENTS);
    assertThat(pending).containsOnlyKeys("date=2026-01-01", "date=2026-01-02");
    assertThat(pending.get("date=2026-01-02"))
        .containsExactly(
            PendingPromotions.markerPath(lake, Dataset.GOLD_EVENTS, "date=2026-01-02", "run-b"));
    PendingPromotions.clear(pending.get("date=2026-01-02"));
    PendingPromotions.clear(pending.get("date=2026-01-02"));
    assertThat(PendingPromotions.list(lake, Dataset.GOLD_EVENTS))
        .containsOnlyKeys("date=2026-01-01");
  }

  @Test
  void nothingPendingInANewLake() throws Exception {
    assertThat(PendingPromotions.list(LakeLayout.at(dir.toString()), Dataset.GOLD_EVENTS))
        .isEmpty();
  }

  @Test
  void aUnitMaySpanFoldersButNeverLeavesTheDatasetsOwn() throws Exception {
    LakeLayout lake = LakeLayout.at(dir.toString());
    String hour = "dt=2026-01-02/hour=03";
    String inFlight = PendingPromotions.markInFlight(lake, Dataset.SILVER_EVENTS, hour, "run-a");

    assertThat(inFlight)
        .endsWith("/_pending/silver/events/dt=2026-01-02/hour=03/in-flight-run-a.json");
    assertThat(PendingPromotions.list(lake, Dataset.SILVER_EVENTS))
        .containsExactly(Map.entry(hour, List.of(inFlight)));
    assertThat(PendingPromotions.isInFlight(inFlight)).isTrue();
    assertThat(
            PendingPromotions.isInFlight(
                PendingPromotions.mark(
                    lake, Dataset.GOLD_EVENTS, "date=2026-01-02", "r", Map.of())))
        .isFalse();
    for (String bad : List.of("../x", "dt=x/../../y", "/abs", "", "a//b", "a/")) {
      assertThatThrownBy(
              () -> PendingPromotions.mark(lake, Dataset.SILVER_EVENTS, bad, "r", Map.of()))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
