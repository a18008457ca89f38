package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.layout.LakeLayout;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Silver end to end on a temporary lake: the silver_events Iceberg table's current snapshot read
 * back with DuckDB over the snapshot's files, checked against Iceberg's own reader.
 */
class SilverEventsTest {
  private static final List<Instant> HOURS =
      List.of(
          BronzeFixtures.AUGUST,
          BronzeFixtures.MARCH,
          BronzeFixtures.EMPTY_HOUR,
          BronzeFixtures.APRIL);

  @TempDir Path lake;

  static void promote(Path lake, List<Instant> hours, Duration lateness, String runId) {
    TestPipeline p = TestPipelines.create();
    SilverEvents.Config config =
        new SilverEvents.Config(
            LakeLayout.at(lake.toString()),
            LakeTables.catalog(lake),
            hours,
            lateness,
            1,
            runId,
            DeduplicateEvents.DEFAULT_HORIZON,
            false);
    SilverEvents.build(p, config);
    TestPipelines.run(p);
  }

  static JsonNode report(Path lake, String partition) throws IOException {
    return new ObjectMapper()
        .readTree(lake.resolve("_reports/silver/events/" + partition + ".json").toFile());
  }

  private String silver() {
    return LakeTables.duckDb(lake, LakeTable.SILVER_EVENTS);
  }

  private String silverFiles() {
    return LakeTables.fileList(lake, LakeTable.SILVER_EVENTS);
  }

  @Test
  void promotesValidRecordsToSnappyParquetAndQuarantinesTheRestWithReasons() throws Exception {
    // Arrange
    BronzeFixtures.writeStandardLake(lake);

    // Act
    promote(lake, HOURS, Duration.ofHours(6), "run1");

    // Assert: types as written, read by an independent reader
    Map<String, String> types = DuckDb.columnTypes("SELECT * FROM " + silver());
    assertThat(types)
        .containsEntry("event_uuid", "VARCHAR")
        .containsEntry("event_name", "VARCHAR")
        .containsEntry("event_type", "VARCHAR")
        .containsEntry("event_subtype", "VARCHAR")
        .containsEntry("created_at", "TIMESTAMP WITH TIME ZONE")
        .containsEntry("created_datetime", "VARCHAR")
        .containsEntry("payload", "VARCHAR")
        .containsEntry("dt", "DATE")
        .containsEntry("hour", "INTEGER");
    assertThat(
            DuckDb.query(
                "SELECT DISTINCT compression FROM parquet_metadata(" + silverFiles() + ")"))
        .extracting(r -> r.get("compression"))
        .containsExactly("SNAPPY");
    // Every column of every file carries its Iceberg field id, partition columns included.
    assertThat(
            DuckDb.query(
                "SELECT DISTINCT name, field_id FROM parquet_schema("
                    + silverFiles()
                    + ") WHERE num_children IS NULL ORDER BY field_id"))
        .extracting(r -> r.get("name") + "=" + r.get("field_id"))
        .containsExactly(
            "event_uuid=1",
            "event_name=2",
            "event_type=3",
            "event_subtype=4",
            "created_at=5",
            "created_datetime=6",
            "payload=7",
            "dt=8",
            "hour=9");
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.SILVER_EVENTS)).isEqualTo(12);

    // Assert: the reference values of DESIGN.md, in UTC
    List<Map<String, Object>> rows =
        DuckDb.query(
            "SELECT event_uuid, event_name, event_type, event_subtype, created_datetime,"
                + " epoch_us(created_at) AS micros, strftime(dt, '%Y-%m-%d') AS dt, hour FROM "
                + silver()
                + " ORDER BY event_uuid, event_name");
    assertThat(rows).hasSize(12);
    assertThat(rows)
        .extracting(
            r ->
                r.get("event_uuid")
                    + " "
                    + r.get("event_type")
                    + "/"
                    + r.get("event_subtype")
                    + " "
                    + r.get("created_datetime"))
        .contains(
            "1 account/created 2024-03-24T21:19:55Z",
            "123456 account/created 2021-08-17T21:19:39Z",
            "78d1b928-37e0-41a0-bf41-ea9d86b27e5a payment/order 2024-04-07T17:42:01.022075Z",
            "78d1b928-37e0-41a0-bf41-ea9d86b27e5a account/created 2024-04-07T17:42:01.022075Z",
            "h1 x/y 2024-03-24T21:16:40Z",
            "h4 cafe/bestellt 2024-03-24T21:16:43Z");
    assertThat(rows)
        .filteredOn(r -> "78d1b928-37e0-41a0-bf41-ea9d86b27e5a".equals(r.get("event_uuid")))
        .allSatisfy(r -> assertThat(r.get("micros")).isEqualTo(1_712_511_721_022_075L))
        .allSatisfy(r -> assertThat(r.get("dt")).isEqualTo("2024-04-07"));

    // Assert: the report reconciles with what DuckDB reads and what the quarantine holds
    JsonNode march = report(lake, "dt=2024-03-24/hour=21");
    assertThat(march.path("read").asLong()).isEqualTo(13);
    assertThat(march.path("written").asLong()).isEqualTo(9);
    assertThat(march.path("quarantined").asLong()).isEqualTo(4);
    assertThat(march.path("quarantined_by_reason").toString())
        .isEqualTo(
            "{\"invalid_created_at\":1,\"invalid_event_name\":1,\"invalid_json\":1,\"not_an_object\":1}");
    assertThat(
            DuckDb.count(
                "SELECT count(*) FROM " + silver() + " WHERE hour = 21 AND dt = DATE '2024-03-24'"))
        .isEqualTo(9);
    List<String> quarantine =
        Files.readAllLines(onlyFile(lake.resolve("quarantine/events/dt=2024-03-24/hour=21")));
    assertThat(quarantine)
        .hasSize(4)
        .allSatisfy(
            l -> assertThat(l).contains("\"reason\"", "\"raw\"", "\"source\"", "\"offset\""));
    JsonNode empty = report(lake, "dt=2024-03-24/hour=22");
    assertThat(empty.path("read").asLong()).isZero();
    assertThat(empty.path("files")).isEmpty();

    // Assert: one snapshot per hour, with the run id, the unit and its counts; the report names it
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      Table table = catalog.table(LakeTable.SILVER_EVENTS);
      List<Map<String, String>> summaries = new ArrayList<>();
      SnapshotUtil.currentAncestors(table).forEach(s -> summaries.add(s.summary()));
      assertThat(summaries).hasSize(HOURS.size());
      Map<String, String> marchSummary =
          summaries.stream()
              .filter(s -> "dt=2024-03-24/hour=21".equals(s.get("lake.unit")))
              .findFirst()
              .orElseThrow();
      assertThat(marchSummary)
          .containsEntry("lake.run-id", "run1")
          .containsEntry("lake.read", "13")
          .containsEntry("lake.written", "9")
          .containsEntry("lake.quarantined", "4")
          .containsEntry("lake.duplicates-removed", "0")
          .containsEntry("added-records", "9");
      assertThat(march.path("snapshots").path("silver_events").asLong())
          .isEqualTo(snapshotOf(table, "dt=2024-03-24/hour=21"));
    }
  }

  static long snapshotOf(Table table, String unit) {
    for (Snapshot s : SnapshotUtil.currentAncestors(table)) {
      if (unit.equals(s.summary().get("lake.unit"))) {
        return s.snapshotId();
      }
    }
    throw new AssertionError("no snapshot of " + unit);
  }

  @Test
  void aSecondRunReplacesEachHourAsAWhole() throws Exception {
    // Arrange
    BronzeFixtures.writeStandardLake(lake);
    promote(lake, HOURS, Duration.ofHours(6), "run1");
    Files.delete(BronzeFixtures.hourDir(lake, BronzeFixtures.MARCH).resolve("part-b.jsonl"));

    // Act: the same promotion twice more, over changed bronze
    promote(lake, HOURS, Duration.ofHours(6), "run2");
    promote(lake, HOURS, Duration.ofHours(6), "run3");

    // Assert: the hostile rows are gone, nothing is doubled, one file per hour, no staging left
    assertThat(DuckDb.count("SELECT count(*) FROM " + silver())).isEqualTo(7);
    assertThat(DuckDb.count("SELECT count(DISTINCT event_uuid || event_name) FROM " + silver()))
        .isEqualTo(6);
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.SILVER_EVENTS)).isEqualTo(7);
    assertThat(LakeTables.currentFiles(LakeTables.catalog(lake), LakeTable.SILVER_EVENTS))
        .filteredOn(f -> f.contains("/silver/events/data/dt=2024-03-24/hour=21/"))
        .singleElement()
        .asString()
        .contains("/part-run3-");
    JsonNode march = report(lake, "dt=2024-03-24/hour=21");
    assertThat(march.path("run_id").asText()).isEqualTo("run3");
    assertThat(march.path("files").get(0).asText())
        .startsWith("silver/events/data/dt=2024-03-24/hour=21/part-run3-");
    assertThat(lake.resolve("_tmp")).isEmptyDirectory();
  }

  @Test
  void countsEventsThatArriveAfterTheirGoldWindowAsLate() throws Exception {
    // Arrange: created 2024-03-23, arriving 2024-03-24 21h: past D+1 00:00 + 6h.
    BronzeFixtures.write(
        lake,
        BronzeFixtures.MARCH,
        "late.jsonl",
        List.of("{\"event_uuid\":\"late\",\"event_name\":\"a:b\",\"created_at\":1711200000}"),
        "\n");

    // Act
    promote(lake, List.of(BronzeFixtures.MARCH), Duration.ofHours(6), "run1");

    // Assert
    JsonNode counts = report(lake, "dt=2024-03-24/hour=21").path("counts");
    assertThat(counts.path("late").asLong()).isEqualTo(1);
    assertThat(counts.path("late_for.2024-03-23").asLong()).isEqualTo(1);
  }

  @Test
  void promotesEveryRecordOfAFirehoseFileWithoutDelimiters() throws Exception {
    // Arrange: Firehose without a newline processor concatenates records; gzip, but no .gz name.
    Instant hour = Instant.parse("2024-06-10T06:00:00Z");
    String a1 =
        "{\"event_uuid\":\"a1\",\"event_name\":\"lesson:started\",\"created_at\":1718000000}";
    String a2 = "{\"event_uuid\":\"a2\",\"event_name\":\"lesson:ended\",\"created_at\":1718000060}";
    BronzeFixtures.writeGzipBytes(lake, hour, "events-1-2024-06-10-06-00-00-x", a1 + a2);

    // Act
    promote(lake, List.of(hour), Duration.ofHours(6), "run1");

    // Assert
    JsonNode report = report(lake, "dt=2024-06-10/hour=06");
    assertThat(report.path("read").asLong()).isEqualTo(2);
    assertThat(report.path("written").asLong()).isEqualTo(2);
    assertThat(report.path("quarantined").asLong()).isZero();
    assertThat(
            DuckDb.query(
                "SELECT event_uuid, event_name, created_datetime FROM "
                    + silver()
                    + " ORDER BY event_uuid"))
        .extracting(
            r -> r.get("event_uuid") + " " + r.get("event_name") + " " + r.get("created_datetime"))
        .containsExactly(
            "a1 lesson:started 2024-06-10T06:13:20Z", "a2 lesson:ended 2024-06-10T06:14:20Z");
  }

  @Test
  void writesThePayloadToParquetExactlyAsReceived() throws Exception {
    // Arrange: a pretty-printed record whose payload a re-serialiser would change
    Instant hour = Instant.parse("2024-06-10T06:00:00Z");
    String record =
        "{\n  \"event_uuid\": \"t1\",\n  \"note\": \"\\ud800 caf\\u00e9 \\/ \\u0000\",\n"
            + "  \"event_name\": \"text:kept\",\n  \"n\": [1E+5, -0, 1.50, 123456789012345678901234567890],\n"
            + "  \"created_at\": 1718000000\n}";
    BronzeFixtures.write(lake, hour, "part-a.jsonl", List.of(record), "\n");

    // Act
    promote(lake, List.of(hour), Duration.ofHours(6), "run1");

    // Assert: DuckDB, not our own reader, sees the tokens as the producer wrote them
    assertThat(DuckDb.query("SELECT payload FROM " + silver()))
        .extracting(r -> r.get("payload"))
        .containsExactly(
            "{\"note\":\"\\ud800 caf\\u00e9 \\/ \\u0000\","
                + "\"n\":[1E+5,-0,1.50,123456789012345678901234567890]}");
  }

  static Path onlyFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }
}
