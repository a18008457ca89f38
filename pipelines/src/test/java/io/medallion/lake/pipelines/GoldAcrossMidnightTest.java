package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gold on generated input whose retries are re-stamped across midnight: every event once in all of
 * gold, whichever order the two dates are promoted in, alone or together, read back with DuckDB.
 */
class GoldAcrossMidnightTest {
  private static final Instant START = Instant.parse("2025-12-31T22:00:00Z");
  private static final int HOURS = 4;
  private static final LocalDate D = LocalDate.parse("2025-12-31");
  private static final LocalDate D1 = LocalDate.parse("2026-01-01");
  private static final Duration LATENESS = Duration.ofHours(6);

  @TempDir Path lake;

  private EventGenerator.Summary produceAndPromoteSilver() throws IOException {
    EventGenerator.Summary produced =
        ProduceEvents.run(
            PipelineOptionsFactory.fromArgs(
                    "--lake=" + lake,
                    "--events=2000",
                    "--hours=" + HOURS,
                    "--start=2025-12-31T22",
                    "--duplicateRate=0.2",
                    "--restampRate=1",
                    "--restampMaxSeconds=900",
                    "--filesPerHour=2")
                .as(ProduceEvents.Options.class));
    List<Instant> hours = new ArrayList<>();
    for (int h = 0; h < HOURS; h++) {
      hours.add(START.plus(h, ChronoUnit.HOURS));
    }
    SilverEventsTest.promote(lake, hours, LATENESS, "silver1");
    return produced;
  }

  private void promoteGold(List<LocalDate> dates, String runId) {
    GoldEventsTest.promote(lake, dates, 3, runId);
  }

  /** The current snapshot of a gold table ({@code events}, {@code event_stats}), for DuckDB. */
  private String gold(String dataset) {
    return LakeTables.duckDb(lake, LakeTable.named("gold_" + dataset));
  }

  private JsonNode report(LocalDate date) throws IOException {
    return new ObjectMapper()
        .readTree(lake.resolve("_reports/gold/events/date=" + date + ".json").toFile());
  }

  /** Every gold row as {@code uuid created_at date}, in order. */
  private List<String> goldRows() {
    return DuckDb.query(
            "SELECT event_uuid, epoch_us(created_at) AS t, strftime(date, '%Y-%m-%d') AS d FROM "
                + gold("events")
                + " ORDER BY event_uuid, t")
        .stream()
        .map(r -> r.get("event_uuid") + " " + r.get("t") + " " + r.get("d"))
        .toList();
  }

  private void assertEveryEventOnceAsProduced(EventGenerator.Summary produced) throws IOException {
    Map<String, Object> totals =
        DuckDb.query(
                "SELECT count(*) AS n, count(DISTINCT event_uuid) AS uuids FROM " + gold("events"))
            .get(0);
    assertThat(((Number) totals.get("n")).longValue()).isEqualTo(produced.validEvents);
    assertThat(((Number) totals.get("uuids")).longValue()).isEqualTo(produced.validEvents);
    for (LocalDate date : List.of(D, D1)) {
      assertThat(
              DuckDb.count(
                  "SELECT count(*) FROM " + gold("events") + " WHERE date = DATE '" + date + "'"))
          .as("gold rows on " + date)
          .isEqualTo(produced.validEventsByCreatedDate.get(date));
      JsonNode report = report(date);
      assertThat(report.path("written").asLong())
          .isEqualTo(produced.validEventsByCreatedDate.get(date));
      assertThat(report.path("read").asLong())
          .isEqualTo(report.path("written").asLong() + report.path("duplicates_removed").asLong());
      long duplicateOf = 0;
      for (LocalDate w : List.of(D.minusDays(1), D, D1)) {
        duplicateOf += report.path("counts").path("duplicate_of." + w).asLong();
      }
      assertThat(duplicateOf).isEqualTo(report.path("duplicates_removed").asLong());
      Map<String, Object> stats =
          DuckDb.query(
                  "SELECT sum(event_count) AS events, sum(distinct_events) AS kept,"
                      + " sum(duplicates_removed) AS removed FROM "
                      + gold("event_stats")
                      + " WHERE date = DATE '"
                      + date
                      + "'")
              .get(0);
      assertThat(((Number) stats.get("events")).longValue())
          .isEqualTo(report.path("read").asLong());
      assertThat(((Number) stats.get("kept")).longValue())
          .isEqualTo(report.path("written").asLong());
      assertThat(((Number) stats.get("removed")).longValue())
          .isEqualTo(report.path("duplicates_removed").asLong());
    }
    // Each copy re-stamped past midnight is a duplicate on D+1 of the event kept on D.
    assertThat(report(D1).path("counts").path("duplicate_of." + D).asLong())
        .isEqualTo(produced.restampedAcrossMidnight);
  }

  @Test
  void everyEventOnceInGoldWhicheverOrderTheDatesArePromotedIn() throws Exception {
    EventGenerator.Summary produced = produceAndPromoteSilver();
    assertThat(produced.restampedAcrossMidnight).as("re-stamped across midnight").isPositive();

    promoteGold(List.of(D1), "gold1");
    promoteGold(List.of(D), "gold2");
    assertEveryEventOnceAsProduced(produced);
    List<String> nextDayFirst = goldRows();

    promoteGold(List.of(D), "gold3");
    promoteGold(List.of(D1), "gold4");
    assertEveryEventOnceAsProduced(produced);
    assertThat(goldRows()).isEqualTo(nextDayFirst);

    promoteGold(List.of(D, D1), "gold5");
    assertEveryEventOnceAsProduced(produced);
    assertThat(goldRows()).isEqualTo(nextDayFirst);
  }
}
