package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.ReadSilverEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.iceberg.expressions.Expressions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 parts 3 and 6 end to end: late events mark their gold date and {@code gold --pending}
 * promotes exactly the marked dates gold had promoted; bronze files that land after their hour was
 * promoted make the hour pending for {@code silver --pending}; a run that read nothing refuses to
 * empty a unit that holds rows unless told to. Read back with DuckDB over the tables' snapshots.
 */
class PendingPromotionTest {
  private static final LocalDate D = LocalDate.parse("2026-03-01");
  private static final LocalDate D1 = D.plusDays(1);
  private static final Instant H10 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant H11 = Instant.parse("2026-03-01T11:00:00Z");

  /** The evening after: far past D's window, so its events for D are late. */
  private static final Instant NEXT_EVENING = Instant.parse("2026-03-02T20:00:00Z");

  private static final String A1 =
      "{\"event_uuid\":\"a1\",\"event_name\":\"lesson:started\",\"created_at\":1772359200}";
  private static final String A2 =
      "{\"event_uuid\":\"a2\",\"event_name\":\"lesson:ended\",\"created_at\":1772359260}";

  /** Created on D at 23:00, arriving the next evening. */
  private static final String LATE =
      "{\"event_uuid\":\"a3\",\"event_name\":\"quiz:passed\",\"created_at\":1772406000}";

  private static final String A4 =
      "{\"event_uuid\":\"a4\",\"event_name\":\"lesson:started\",\"created_at\":1772362800}";

  @TempDir Path tmp;
  private Path lake;
  private LakeLayout layout;

  @BeforeEach
  void createLake() throws IOException {
    lake = Files.createDirectories(tmp.resolve("lake"));
    layout = LakeLayout.at(lake.toString());
  }

  private void silver(List<Instant> hours, String runId, boolean allowEmpty) {
    TestPipeline p = TestPipelines.create();
    SilverEvents.Config config =
        new SilverEvents.Config(
            layout,
            LakeTables.catalog(lake),
            hours,
            Duration.ofHours(6),
            1,
            runId,
            DeduplicateEvents.DEFAULT_HORIZON,
            allowEmpty);
    SilverEvents.build(p, config);
    TestPipelines.run(p);
  }

  private void gold(List<LocalDate> dates, String runId) {
    GoldEventsTest.promote(lake, dates, 4, runId);
  }

  private List<String> goldUuids(LocalDate date) {
    return DuckDb.query(
            "SELECT event_uuid FROM "
                + LakeTables.duckDb(lake, LakeTable.GOLD_EVENTS)
                + " WHERE date = DATE '"
                + date
                + "' ORDER BY 1")
        .stream()
        .map(r -> r.get("event_uuid").toString())
        .toList();
  }

  private long silverRows(Instant hour) {
    return DuckDb.count(
        "SELECT count(*) FROM "
            + LakeTables.duckDb(lake, LakeTable.SILVER_EVENTS)
            + " WHERE dt = DATE '"
            + LakeLayout.dateOf(hour)
            + "' AND hour = "
            + hour.atZone(java.time.ZoneOffset.UTC).getHour());
  }

  @Test
  void lateEventsMarkTheirDateAndGoldPendingPromotesExactlyThePromotedOnes() throws Exception {
    BronzeFixtures.write(lake, H10, "part-0.jsonl", List.of(A1, A2), "\n");
    silver(List.of(H10), "silver1", false);
    assertThat(PendingPromotions.list(layout, Dataset.GOLD_EVENTS))
        .as("silver marks the dates its rows were created on, and the next (the horizon)")
        .containsOnlyKeys("date=" + D, "date=" + D1);

    gold(List.of(D), "gold1");
    assertThat(goldUuids(D)).containsExactly("a1", "a2");
    assertThat(PendingPromotions.list(layout, Dataset.GOLD_EVENTS))
        .as("gold cleared the marks of the date it promoted")
        .containsOnlyKeys("date=" + D1);
    assertThat(GoldEvents.pendingDates(layout, null, null))
        .as("D+1 is marked, but was never promoted: its scheduled run will")
        .isEmpty();

    // An event created on D arrives the next evening, long after D was promoted.
    BronzeFixtures.write(lake, NEXT_EVENING, "part-0.jsonl", List.of(LATE), "\n");
    silver(List.of(NEXT_EVENING), "silver2", false);
    JsonNode report =
        SilverEventsTest.report(lake, Dataset.SILVER_EVENTS.hourUnit(NEXT_EVENING).name());
    assertThat(report.path("counts").path("late_for." + D).asLong()).isEqualTo(1);
    assertThat(GoldEvents.pendingDates(layout, null, null)).containsExactly(D);
    assertThat(GoldEvents.pendingDates(layout, "2026-03-02", null)).isEmpty();

    gold(GoldEvents.pendingDates(layout, null, null), "gold2");

    assertThat(goldUuids(D)).containsExactly("a1", "a2", "a3");
    assertThat(GoldEvents.pendingDates(layout, null, null)).isEmpty();
    assertThat(PendingPromotions.list(layout, Dataset.GOLD_EVENTS)).containsOnlyKeys("date=" + D1);
  }

  @Test
  void aMarkMadeWhileGoldReadsSurvivesItsCommit() throws Exception {
    BronzeFixtures.write(lake, H10, "part-0.jsonl", List.of(A1), "\n");
    silver(List.of(H10), "silver1", false);
    gold(List.of(D), "gold1");
    // Gold lists the date's marks when it is built, before it reads silver: a mark made after that
    // (a silver commit racing the gold run) must survive the gold commit.
    TestPipeline p = TestPipelines.create();
    GoldEvents.Config config =
        new GoldEvents.Config(
            layout,
            LakeTables.catalog(lake),
            List.of(D),
            DeduplicateEvents.DEFAULT_HORIZON,
            4,
            1,
            "gold2",
            false);
    GoldEvents.build(
        p.apply(ReadSilverEvents.forDates(config.catalog(), config.silverDates())), config);
    PendingPromotions.mark(layout, Dataset.GOLD_EVENTS, "date=" + D, "silver-racing", Map.of());
    TestPipelines.run(p);

    assertThat(PendingPromotions.markersOf(layout, Dataset.GOLD_EVENTS, "date=" + D))
        .containsExactly(
            PendingPromotions.markerPath(
                layout, Dataset.GOLD_EVENTS, "date=" + D, "silver-racing"));
    assertThat(GoldEvents.pendingDates(layout, null, null)).containsExactly(D);
  }

  @Test
  void bronzeFilesThatLandAfterTheirHourWasPromotedMakeItPending() throws Exception {
    Instant now = Instant.parse("2026-03-01T12:30:00Z");
    BronzeFixtures.write(lake, H10, "part-0.jsonl", List.of(A1, A2), "\n");
    BronzeFixtures.write(lake, H11, "part-0.jsonl", List.of(A4), "\n");
    Instant open = Instant.parse("2026-03-01T12:00:00Z");
    BronzeFixtures.write(lake, open, "part-0.jsonl", List.of(A4), "\n");

    assertThat(SilverEvents.pendingHours(layout, H10, open, now))
        .as("closed hours never promoted are pending; the open hour is not")
        .containsExactly(H10, H11);
    silver(List.of(H10, H11), "silver1", false);
    assertThat(SilverEvents.pendingHours(layout, H10, open, now)).isEmpty();

    // Firehose delivers the hour's last file after the hour was promoted.
    BronzeFixtures.write(lake, H10, "part-1.jsonl", List.of(A4), "\n");
    assertThat(SilverEvents.pendingHours(layout, H10, open, now)).containsExactly(H10);

    silver(SilverEvents.pendingHours(layout, H10, open, now), "silver2", false);

    assertThat(silverRows(H10)).isEqualTo(3);
    assertThat(
            SilverEventsTest.report(lake, Dataset.SILVER_EVENTS.hourUnit(H10).name())
                .path("bronze_files"))
        .hasSize(2);
    assertThat(SilverEvents.pendingHours(layout, H10, open, now)).isEmpty();
  }

  @Test
  void aRunThatReadNothingRefusesToEmptyAnHourThatHoldsRows() throws Exception {
    BronzeFixtures.write(lake, H10, "part-0.jsonl", List.of(A1, A2), "\n");
    silver(List.of(H10), "silver1", false);
    try (Stream<Path> files = Files.list(BronzeFixtures.hourDir(lake, H10))) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }

    assertThatThrownBy(() -> silver(List.of(H10), "silver2", false))
        .isInstanceOf(PipelineExecutionException.class)
        .rootCause()
        .hasMessage(
            "silver_events dt=2026-03-01/hour=10 holds 2 rows and this run read nothing for it (is"
                + " its input there?); nothing was committed; pass --allowEmpty to replace it with"
                + " nothing");
    assertThat(silverRows(H10)).isEqualTo(2);
    assertThat(SilverEventsTest.report(lake, "dt=2026-03-01/hour=10").path("run_id").asText())
        .isEqualTo("silver1");

    silver(List.of(H10), "silver3", true);
    assertThat(silverRows(H10)).isZero();
  }

  @Test
  void goldRefusesToEmptyADateTooAndAnEmptyUnitThatHeldNothingIsFine() throws Exception {
    BronzeFixtures.write(lake, H10, "part-0.jsonl", List.of(A1), "\n");
    silver(List.of(H10), "silver1", false);
    gold(List.of(D), "gold1");
    gold(List.of(D1), "gold-empty"); // nothing created on D+1, and gold held nothing there
    // Silver's rows go without a silver promotion (a DELETE by another engine, say): nothing
    // marks D, and gold must not take the nothing it reads for the date's truth.
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      catalog
          .table(LakeTable.SILVER_EVENTS)
          .newDelete()
          .deleteFromRowFilter(Expressions.alwaysTrue())
          .commit();
    }

    assertThatThrownBy(() -> gold(List.of(D), "gold2"))
        .rootCause()
        .hasMessageContaining("gold_events date=2026-03-01 holds 1 rows and this run read nothing");
    assertThat(goldUuids(D)).containsExactly("a1");
  }

  @Test
  void anHourEmptiedOnPurposeMarksTheDatesOfItsOldRowsAndGoldPendingFollows() throws Exception {
    BronzeFixtures.write(lake, H10, "part-0.jsonl", List.of(A1, A2), "\n");
    silver(List.of(H10), "silver1", false);
    gold(List.of(D), "gold1");
    assertThat(GoldEvents.pendingDates(layout, null, null)).isEmpty();
    try (Stream<Path> files = Files.list(BronzeFixtures.hourDir(lake, H10))) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }

    silver(List.of(H10), "silver2", true);

    assertThat(silverRows(H10)).isZero();
    assertThat(GoldEvents.pendingDates(layout, null, null))
        .as("the date the removed rows were created on")
        .containsExactly(D);
    gold(GoldEvents.pendingDates(layout, null, null), "gold2");
    assertThat(goldUuids(D)).as("gold follows silver, to nothing").isEmpty();
    assertThat(
            DuckDb.count(
                "SELECT count(*) FROM "
                    + LakeTables.duckDb(lake, LakeTable.GOLD_EVENT_STATS)
                    + " WHERE date = DATE '"
                    + D
                    + "'"))
        .isZero();
    assertThat(GoldEvents.pendingDates(layout, null, null)).isEmpty();
  }

  @Test
  void rowsThatMoveToAnotherDateMarkTheDateTheyLeft() throws Exception {
    BronzeFixtures.write(lake, H10, "part-0.jsonl", List.of(A1), "\n");
    silver(List.of(H10), "silver1", false);
    gold(List.of(D), "gold1");
    // The hour's file is replaced: a1 is now created on D+1 (a producer's clock fixed, say).
    try (Stream<Path> files = Files.list(BronzeFixtures.hourDir(lake, H10))) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    BronzeFixtures.write(
        lake,
        H10,
        "part-1.jsonl",
        List.of(A1.replace("1772359200", String.valueOf(1772359200 + 86400))),
        "\n");

    silver(List.of(H10), "silver2", false);

    assertThat(PendingPromotions.list(layout, Dataset.GOLD_EVENTS).keySet())
        .as("D lost a1, D+1 gained it (and D+2, the horizon)")
        .contains("date=" + D, "date=" + D1);
    assertThat(GoldEvents.pendingDates(layout, null, null)).containsExactly(D);
    gold(List.of(D), "gold2");
    assertThat(goldUuids(D)).isEmpty();
  }
}
