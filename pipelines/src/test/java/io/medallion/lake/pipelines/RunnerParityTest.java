package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.ReadSilverEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.ReadersAgree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runner parity: the same bronze input (the standard fixtures plus a few thousand generated events
 * around a midnight, with duplicates, some re-stamped past the midnight, malformed and late
 * records) promoted to silver and gold on the DirectRunner and on embedded Flink gives the same
 * rows in every table (each table's current Iceberg snapshot), compared by DuckDB with {@code
 * EXCEPT ALL} both ways, and the same reports apart from when they were written and the snapshot
 * ids; on both runners DuckDB and Iceberg's own reader agree on every table, gold holds each
 * generated event once, and each event name's typed table holds exactly its gold rows (the typed
 * tables the same on both runners: names, schemas, rows).
 */
class RunnerParityTest {
  private static final String RUN_ID = "parity";
  private static final TableFamily TYPED = TableFamily.TYPED_EVENTS;
  private static final Instant GENERATED_START = Instant.parse("2025-12-31T23:00:00Z");
  private static final int GENERATED_HOURS = 2;
  private static final Duration LATENESS = Duration.ofHours(6);

  /** The launcher's Flink defaults, at this machine's size, on 127.0.0.1 only. */
  private static final String[] FLINK = EmbeddedFlink.batchArgs(2).toArray(String[]::new);

  private static final String[] DIRECT = new String[] {"--runner=DirectRunner"};

  static {
    // Flink logs every operator at INFO; the launcher's simplelogger.properties quiets it the same
    // way.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink.metrics.MetricGroup", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.runners.flink", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.pekko", "warn");
  }

  @TempDir static Path base;
  static Path direct;
  static Path flink;
  static EventGenerator.Summary produced;

  @BeforeAll
  static void promoteOnBothRunners() throws IOException {
    direct = base.resolve("direct");
    flink = base.resolve("flink");
    for (Path lake : List.of(direct, flink)) {
      BronzeFixtures.writeStandardLake(lake);
      ProduceEvents.Options produce =
          PipelineOptionsFactory.fromArgs(
                  "--lake=" + lake,
                  "--events=3000",
                  "--hours=" + GENERATED_HOURS,
                  "--start=2025-12-31T23",
                  "--duplicateRate=0.2",
                  "--restampRate=1",
                  "--restampMaxSeconds=900",
                  "--filesPerHour=4")
              .as(ProduceEvents.Options.class);
      produced = ProduceEvents.run(produce);
    }
    promote(direct, DIRECT);
    promote(flink, FLINK);
  }

  private static void promote(Path lake, String[] runner) {
    List<Instant> hours = new ArrayList<>(List.of(BronzeFixtures.AUGUST, BronzeFixtures.MARCH));
    hours.add(BronzeFixtures.EMPTY_HOUR);
    hours.add(BronzeFixtures.APRIL);
    for (int h = 0; h < GENERATED_HOURS; h++) {
      hours.add(GENERATED_START.plus(h, ChronoUnit.HOURS));
    }
    LakeLayout layout = LakeLayout.at(lake.toString());

    Pipeline silver = Pipeline.create(options(runner));
    SilverEvents.build(
        silver,
        new SilverEvents.Config(
            layout,
            LakeTables.catalog(lake),
            hours,
            LATENESS,
            1,
            RUN_ID,
            DeduplicateEvents.DEFAULT_HORIZON,
            false));
    finish(silver.run());

    List<LocalDate> dates =
        List.of(
            LocalDate.parse("2021-08-17"),
            LocalDate.parse("2024-03-24"),
            LocalDate.parse("2024-04-07"),
            LocalDate.parse("2025-12-31"),
            LocalDate.parse("2026-01-01"));
    GoldEvents.Config config =
        new GoldEvents.Config(
            layout,
            LakeTables.catalog(lake),
            dates,
            DeduplicateEvents.DEFAULT_HORIZON,
            4,
            1,
            RUN_ID,
            false);
    Pipeline gold = Pipeline.create(options(runner));
    GoldEvents.build(
        gold.apply("ReadSilver", ReadSilverEvents.forDates(config.catalog(), config.silverDates())),
        config);
    finish(gold.run());
  }

  private static PipelineOptions options(String[] args) {
    return PipelineOptionsFactory.fromArgs(args).create();
  }

  private static void finish(PipelineResult result) {
    assertThat(result.waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
  }

  private static String table(Path lake, LakeTable table) {
    return LakeTables.duckDb(lake, table);
  }

  /** The quarantine with the lake's own path taken out of {@code source}. */
  private static String quarantine(Path lake) {
    return "(SELECT * REPLACE (replace(source, '"
        + lake
        + "', '') AS source) FROM read_json_auto('"
        + lake
        + "/quarantine/events/**/*.jsonl', hive_partitioning = true, format = 'newline_delimited'))";
  }

  /** Asserts the two relations hold the same rows, duplicates included, and are not empty. */
  private static void assertSameRows(String onDirect, String onFlink, long atLeast) {
    long rows = DuckDb.count("SELECT count(*) FROM " + onDirect);
    assertThat(rows).as("rows on the DirectRunner").isGreaterThanOrEqualTo(atLeast);
    assertThat(DuckDb.count("SELECT count(*) FROM " + onFlink)).as("rows on Flink").isEqualTo(rows);
    assertThat(
            DuckDb.query(
                "SELECT * FROM " + onDirect + " EXCEPT ALL SELECT * FROM " + onFlink + " LIMIT 5"))
        .as("rows on the DirectRunner only")
        .isEmpty();
    assertThat(
            DuckDb.query(
                "SELECT * FROM " + onFlink + " EXCEPT ALL SELECT * FROM " + onDirect + " LIMIT 5"))
        .as("rows on Flink only")
        .isEmpty();
  }

  @Test
  void silverEventsAreTheSameRows() {
    assertSameRows(
        table(direct, LakeTable.SILVER_EVENTS), table(flink, LakeTable.SILVER_EVENTS), 3000);
  }

  @Test
  void quarantinedRecordsAreTheSameWithTheSameReasons() {
    assertSameRows(quarantine(direct), quarantine(flink), 5);
  }

  @Test
  void goldEventsAreTheSameRows() {
    assertSameRows(table(direct, LakeTable.GOLD_EVENTS), table(flink, LakeTable.GOLD_EVENTS), 3000);
  }

  @Test
  void goldHoldsEachGeneratedEventOnceOnBothRunners() {
    assertThat(produced.restampedAcrossMidnight).as("re-stamped across midnight").isPositive();
    for (Path lake : List.of(direct, flink)) {
      String generated =
          table(lake, LakeTable.GOLD_EVENTS)
              + " WHERE date IN (DATE '2025-12-31', DATE '2026-01-01')";
      assertThat(DuckDb.count("SELECT count(*) FROM " + generated))
          .as("gold rows on " + lake.getFileName())
          .isEqualTo(produced.validEvents);
      assertThat(DuckDb.count("SELECT count(DISTINCT event_uuid) FROM " + generated))
          .as("distinct event_uuids on " + lake.getFileName())
          .isEqualTo(produced.validEvents);
    }
  }

  @Test
  void goldEventStatsAreTheSameRows() {
    assertSameRows(
        table(direct, LakeTable.GOLD_EVENT_STATS), table(flink, LakeTable.GOLD_EVENT_STATS), 10);
  }

  @Test
  void duckDbAndIcebergsReaderAgreeOnEveryTableOfBothRunners() throws IOException {
    for (Path lake : List.of(direct, flink)) {
      for (LakeTable table :
          List.of(LakeTable.SILVER_EVENTS, LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS)) {
        assertThat(LakeTables.assertReadersAgree(lake, table)).as(lake + " " + table).isPositive();
      }
      try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
        for (LakeTable table : catalog.members(TYPED)) {
          assertThat(ReadersAgree.assertReadersAgree(catalog, table))
              .as(lake + " " + table)
              .isPositive();
        }
      }
    }
  }

  @Test
  void typedTablesAreTheSameTablesSchemasAndRows() throws IOException {
    List<LakeTable> onDirect = typedTables(direct);
    assertThat(onDirect).as("typed tables on the DirectRunner").hasSizeGreaterThan(50);
    assertThat(typedTables(flink)).isEqualTo(onDirect);
    for (LakeTable table : onDirect) {
      assertThat(schema(flink, table).asStruct())
          .as(table + " schema on Flink")
          .isEqualTo(schema(direct, table).asStruct());
      assertSameRows(table(direct, table), table(flink, table), 1);
    }
  }

  @Test
  void typedTablesHoldExactlyGoldEventsRowsPerEventNameOnBothRunners() throws IOException {
    for (Path lake : List.of(direct, flink)) {
      Map<String, Set<String>> gold = new TreeMap<>();
      int quarantined = 0;
      for (List<Object> row :
          DuckDb.rows("SELECT event_name, event_uuid FROM " + table(lake, LakeTable.GOLD_EVENTS))) {
        String name = (String) row.get(0);
        if (TYPED.tableNameFor(name).isPresent()) {
          gold.computeIfAbsent(name, n -> new TreeSet<>()).add((String) row.get(1));
        } else {
          quarantined++;
        }
      }
      Map<String, Set<String>> typed = new TreeMap<>();
      for (LakeTable table : typedTables(lake)) {
        for (List<Object> row :
            DuckDb.rows("SELECT event_name, event_uuid FROM " + table(lake, table))) {
          String name = (String) row.get(0);
          assertThat(TYPED.tableNameFor(name)).as(name).contains(table.tableName());
          typed.computeIfAbsent(name, n -> new TreeSet<>()).add((String) row.get(1));
        }
      }
      assertThat(typed).as("typed rows per event name on " + lake.getFileName()).isEqualTo(gold);
      // The fixtures' 事件:开始 names no table: it stays in gold_events only.
      assertThat(quarantined)
          .as("rows without a typed table on " + lake.getFileName())
          .isEqualTo(1);
    }
  }

  private static List<LakeTable> typedTables(Path lake) throws IOException {
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      return catalog.members(TYPED);
    }
  }

  private static Schema schema(Path lake, LakeTable table) throws IOException {
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      return catalog.existing(table).orElseThrow().schema();
    }
  }

  @Test
  void reportsAreTheSameApartFromWhenAndWhereTheyWereWritten() throws IOException {
    List<Path> reports = reports(direct);
    assertThat(reports).hasSize(4 + GENERATED_HOURS + 5);
    assertThat(reports(flink)).isEqualTo(reports);
    for (Path report : reports) {
      JsonNode onDirect = comparable(direct.resolve(report));
      JsonNode onFlink = comparable(flink.resolve(report));
      assertThat(onFlink).as(report.toString()).isEqualTo(onDirect);
      assertThat(onDirect.path("reconciled").asBoolean()).as(report.toString()).isTrue();
    }
  }

  private static List<Path> reports(Path lake) throws IOException {
    Path root = lake.resolve("_reports");
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(lake::relativize)
          .filter(p -> !p.startsWith("_reports/producer"))
          .sorted()
          .toList();
    }
  }

  private static JsonNode comparable(Path report) throws IOException {
    ObjectNode node = (ObjectNode) new ObjectMapper().readTree(report.toFile());
    node.remove(List.of("committed_at", "source", "snapshots"));
    return node;
  }
}
