package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.ReadSilverEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gold end to end on a temporary lake promoted to silver first: the gold tables' current snapshots
 * read back with DuckDB over the snapshots' files, checked against Iceberg's own reader.
 */
class GoldEventsTest {
  private static final List<LocalDate> DATES =
      List.of(
          LocalDate.parse("2021-08-17"),
          LocalDate.parse("2024-03-24"),
          LocalDate.parse("2024-04-07"));

  /** The lake's own parent, so that a file escaping the lake would show there, not in /tmp. */
  @TempDir Path base;

  private Path lake;

  @BeforeEach
  void promoteSilver() throws IOException {
    lake = base.resolve("lake");
    BronzeFixtures.writeStandardLake(lake);
    SilverEventsTest.promote(
        lake,
        List.of(BronzeFixtures.AUGUST, BronzeFixtures.MARCH, BronzeFixtures.APRIL),
        Duration.ofHours(6),
        "silver1");
  }

  private void promoteGold(String runId) {
    promote(lake, DATES, 4, runId);
  }

  /**
   * Promotes {@code dates} of the lake at {@code lake} to gold on a TestPipeline, with the default
   * horizon, {@code buckets} de-duplication buckets, one file per partition, refusing to empty.
   */
  static void promote(Path lake, List<LocalDate> dates, int buckets, String runId) {
    TestPipeline p = TestPipelines.create();
    GoldEvents.Config config =
        new GoldEvents.Config(
            LakeLayout.at(lake.toString()),
            LakeTables.catalog(lake),
            dates,
            DeduplicateEvents.DEFAULT_HORIZON,
            buckets,
            1,
            runId,
            false);
    GoldEvents.build(
        p.apply(ReadSilverEvents.forDates(config.catalog(), config.silverDates())), config);
    TestPipelines.run(p);
  }

  private String gold(String table) {
    return LakeTables.duckDb(lake, LakeTable.named("gold_" + table));
  }

  private JsonNode report(String date) throws IOException {
    return new ObjectMapper()
        .readTree(lake.resolve("_reports/gold/events/date=" + date + ".json").toFile());
  }

  @Test
  void aRunIsPlannedOnceFromTheSilverRowsOfTheDatesItReads() throws Exception {
    GoldEvents.Options options =
        PipelineOptionsFactory.fromArgs("--lake=" + lake, "--from=2024-03-24", "--to=2024-04-07")
            .as(GoldEvents.Options.class);

    GoldEvents.Config config = GoldEvents.Config.from(options);

    // What the DirectRunner's heap estimate and the buckets are sized for, counted once here.
    long rows = ReadSilverEvents.plannedRows(LakeTables.catalog(lake), config.silverDates());
    assertThat(rows).isPositive();
    assertThat(config.plannedSilverRows()).isEqualTo(rows);
    assertThat(config.dedupBuckets())
        .isEqualTo(DeduplicateEvents.bucketsFor(rows / config.silverDates().size()));
  }

  @Test
  void keepsOneRowPerUuidAndDateWithTheDeterministicWinner() throws Exception {
    promoteGold("gold1");

    List<Map<String, Object>> rows =
        DuckDb.query(
            "SELECT event_uuid, event_name, event_type, event_subtype, strftime(date, '%Y-%m-%d') AS date FROM "
                + gold("events")
                + " ORDER BY event_uuid");
    assertThat(rows)
        .extracting(
            r ->
                r.get("event_uuid")
                    + " "
                    + r.get("event_name")
                    + " "
                    + r.get("event_type")
                    + " "
                    + r.get("date"))
        .containsExactly(
            "1 account:created account 2024-03-24",
            "123456 account:created account 2021-08-17",
            "2 lesson:started lesson 2024-03-24",
            "3 quizz:completed quizz 2024-03-24",
            "78d1b928-37e0-41a0-bf41-ea9d86b27e5a account:created account 2024-04-07",
            "h1 ../../x:y x 2024-03-24",
            "h2 A/B:c a_b 2024-03-24",
            "h3 Lesson:Started lesson 2024-03-24",
            "h4 Café:Bestellt cafe 2024-03-24",
            "h5 事件:开始 x_e4ba8be4bbb6 2024-03-24");
    assertThat(DuckDb.columnTypes("SELECT * FROM " + gold("events")))
        .containsEntry("created_at", "TIMESTAMP WITH TIME ZONE")
        .containsEntry("event_type", "VARCHAR")
        .containsEntry("date", "DATE")
        .doesNotContainKeys("dt", "hour");
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.GOLD_EVENTS)).isEqualTo(10);
    // Ten: April's dropped payment:order:completed copy of 78d1... counts under its own type.
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.GOLD_EVENT_STATS)).isEqualTo(10);
  }

  @Test
  void hostileEventNamesLandInNormalisedPartitionsAndTypedTablesInsideGoldOnly() throws Exception {
    promoteGold("gold1");

    try (Stream<Path> walk = Files.walk(lake)) {
      List<String> files =
          walk.filter(Files::isRegularFile).map(f -> lake.relativize(f).toString()).toList();
      assertThat(files)
          .allMatch(
              f ->
                  f.matches("bronze/events/\\d{4}/\\d{2}/\\d{2}/\\d{2}/[^/]+")
                      || f.matches(
                          "silver/events/data/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{1,2}/part-[^/]+\\.parquet")
                      || f.matches(
                          "quarantine/events/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/part-[^/]+\\.jsonl")
                      || f.matches(
                          "gold/events/data/event_type=[a-z0-9_]+/date=\\d{4}-\\d{2}-\\d{2}/part-[^/]+\\.parquet")
                      || f.matches(
                          "gold/event_stats/data/date=\\d{4}-\\d{2}-\\d{2}/part-[^/]+\\.parquet")
                      || f.matches(
                          "gold/evt/[a-z0-9_]+/data/date=\\d{4}-\\d{2}-\\d{2}/part-[^/]+\\.parquet")
                      || f.matches(
                          "(silver|gold)/(events|event_stats|evt/[a-z0-9_]+)/metadata/[^/]+")
                      || f.equals("_catalog/iceberg.db")
                      || f.matches("_pending/gold/events/date=\\d{4}-\\d{2}-\\d{2}/[^/]+\\.json")
                      || f.matches("_reports/(silver|gold)/events/[^/]+(/hour=\\d{2})?\\.json"),
              "a file outside the lake's layout");
    }
    try (Stream<Path> types = Files.list(lake.resolve("gold/events/data"))) {
      assertThat(types.map(t -> t.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "event_type=account",
              "event_type=lesson",
              "event_type=quizz",
              "event_type=x",
              "event_type=a_b",
              "event_type=cafe",
              "event_type=x_e4ba8be4bbb6");
    }
    // A typed table per event name, named as folded; 事件:开始 has no letter or digit to name one.
    try (Stream<Path> typed = Files.list(lake.resolve("gold/evt"))) {
      assertThat(typed.map(t -> t.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "account_created",
              "lesson_started",
              "quizz_completed",
              "x_y",
              "a_b_c",
              "cafe_bestellt");
    }
    assertThat(
            report("2024-03-24")
                .path("counts")
                .path("typed.quarantined.no_valid_characters")
                .asLong())
        .isEqualTo(1);
    try (Stream<Path> beside = Files.list(base)) {
      assertThat(beside).containsExactly(lake);
    }
  }

  @Test
  void statsAndReportsReconcileAndASecondRunGivesTheSameRowsOnce() throws Exception {
    promoteGold("gold1");
    promoteGold("gold2");

    List<Map<String, Object>> stats =
        DuckDb.query(
            "SELECT event_type, event_subtype, event_count, distinct_events, duplicates_removed,"
                + " epoch_us(first_created_at) AS first, epoch_us(last_created_at) AS last FROM "
                + gold("event_stats")
                + " WHERE date = DATE '2024-03-24' ORDER BY event_type, event_subtype");
    assertThat(stats)
        .extracting(
            r ->
                r.get("event_type")
                    + "/"
                    + r.get("event_subtype")
                    + " "
                    + r.get("event_count")
                    + " "
                    + r.get("distinct_events")
                    + " "
                    + r.get("duplicates_removed"))
        .containsExactly(
            "a_b/c 1 1 0",
            "account/created 1 1 0",
            "cafe/bestellt 1 1 0",
            "lesson/started 3 2 1",
            "quizz/completed 1 1 0",
            "x/y 1 1 0",
            "x_e4ba8be4bbb6/x_e5bc80e5a78b 1 1 0");
    assertThat(stats.get(3).get("first")).isEqualTo(1_711_314_895_000_000L);
    assertThat(stats.get(3).get("last")).isEqualTo(1_711_315_002_000_000L);

    JsonNode march = report("2024-03-24");
    assertThat(march.path("run_id").asText()).isEqualTo("gold2");
    assertThat(march.path("read").asLong()).isEqualTo(9);
    assertThat(march.path("written").asLong()).isEqualTo(8);
    assertThat(march.path("duplicates_removed").asLong()).isEqualTo(1);
    assertThat(
            DuckDb.count(
                "SELECT count(*) FROM " + gold("events") + " WHERE date = DATE '2024-03-24'"))
        .isEqualTo(8);
    JsonNode april = report("2024-04-07");
    assertThat(april.path("read").asLong()).isEqualTo(2);
    assertThat(april.path("written").asLong()).isEqualTo(1);
    assertThat(DuckDb.count("SELECT count(*) FROM " + gold("events"))).isEqualTo(10);
    for (LakeTable table : List.of(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS)) {
      assertThat(LakeTables.currentFiles(LakeTables.catalog(lake), table))
          .isNotEmpty()
          .allMatch(f -> f.contains("/part-gold2-"), "a file of the second run");
      assertThat(march.path("snapshots").path(table.tableName()).asLong()).isNotZero();
    }
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.GOLD_EVENTS)).isEqualTo(10);
  }
}
