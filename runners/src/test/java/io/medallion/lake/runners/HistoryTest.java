package io.medallion.lake.runners;

import static io.medallion.lake.runners.FixtureLake.lake;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.runners.FixtureLake.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
  @TempDir static Path temp;
  private static FixtureLake fixture;
  private static Path lake;

  @BeforeAll
  static void fixtureLake() throws Exception {
    lake = temp.resolve("lake");
    fixture = FixtureLake.build(lake);
  }

  @Test
  void listsBothPromotionsOfAnHourWithTheirCountsOldestFirst() {
    Result r = lake("history", "silver_events", "--lake=" + lake, "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).doesNotContain("\r");
    assertThat(r.lines())
        .containsExactly(
            String.join(",", History.COLUMNS),
            fixture.hour3First().snapshotId()
                + ","
                + committed(fixture.hour3First().timestampMillis())
                + ",overwrite,dt=2026-01-02/hour=03,run-1,4,3,1,0,3,,false",
            fixture.hour4().snapshotId()
                + ","
                + committed(fixture.hour4().timestampMillis())
                + ",overwrite,dt=2026-01-02/hour=04,run-h4,1,1,0,0,1,,false",
            fixture.hour3Second().snapshotId()
                + ","
                + committed(fixture.hour3Second().timestampMillis())
                + ",overwrite,dt=2026-01-02/hour=03,run-2,2,2,0,0,2,3,true");
  }

  @Test
  void jsonKeepsEverySnapshotIdDigitAndCountsAreNumbers() throws Exception {
    Result r = lake("history", "silver_events", "--lake=" + lake, "--format=json");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).hasSize(3);
    JsonNode last = new ObjectMapper().readTree(r.lines().get(2));
    assertThat(last.path("snapshot_id").asText())
        .isEqualTo(Long.toString(fixture.hour3Second().snapshotId()));
    assertThat(last.path("written").isIntegralNumber()).isTrue();
    assertThat(last.path("deleted_records").asLong()).isEqualTo(3);
    assertThat(last.path("current").asBoolean()).isTrue();
  }

  @Test
  void theDefaultTableFormatLinesUpAndCountsRows() {
    Result r = lake("history", "gold_events", "--lake=" + lake);

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines().get(0)).startsWith("snapshot_id").contains("| unit");
    assertThat(r.lines().get(2)).contains("| date=2026-01-02 |").contains("| run-g ");
    assertThat(r.lines().get(r.lines().size() - 1)).isEqualTo("(1 row)");
  }

  @Test
  void aTypedTablesHistoryIsItsSchemaChangeFreePromotions() {
    Result r = lake("history", "gold_evt_lesson_ended", "--lake=" + lake, "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines())
        .containsExactly(
            String.join(",", History.COLUMNS),
            fixture.typed().snapshotId()
                + ","
                + committed(fixture.typed().timestampMillis())
                + ",overwrite,date=2026-01-02,run-g,3,3,0,0,2,,true");
  }

  @Test
  void aTableNotCreatedYetHasNoSnapshots() throws Exception {
    Path empty = temp.resolve("empty");
    Files.createDirectories(empty);

    Result r = lake("history", "gold_event_stats", "--lake=" + empty);

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines().get(r.lines().size() - 1)).isEqualTo("(0 rows)");
  }

  @Test
  void anUnknownOrMissingTableIsOneLineListingTheTables() {
    Result unknown = lake("history", "gold_evnts", "--lake=" + lake);
    Result missing = lake("history", "--lake=" + lake);

    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err().strip())
        .isEqualTo(
            "lake history: no lake table named 'gold_evnts'; tables: silver_events, gold_events,"
                + " gold_event_stats, silver_uber_movements, gold_evt_lesson_ended");
    assertThat(missing.status()).isEqualTo(2);
    assertThat(missing.err().strip())
        .isEqualTo(
            "lake history: which table? lake history <table>, one of: silver_events, gold_events,"
                + " gold_event_stats, silver_uber_movements, gold_evt_lesson_ended");
  }

  private static String committed(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}
