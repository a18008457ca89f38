package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.io.LakeCommits;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.tables.LakeCatalog;
import io.medallion.lake.tables.LakeTable;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.uber.UberSourceFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promotes every public sample in batch and reads the lake back with DuckDB, not with the code that
 * wrote it.
 */
class UberMovementsTest {
  private static final int ALL_ROWS =
      UberSamples.ROWS.values().stream().mapToInt(Integer::intValue).sum();
  private static final int DAILY_ROWS = UberSamples.ROWS.get("madhavi1109-Travel_Times_Daily.csv");

  @TempDir Path lake;

  private Path landing() {
    return lake.resolve(LakeLayout.LANDING_UBER_MOVEMENTS);
  }

  private void promote(String glob, String city) {
    UberMovements.Config config =
        new UberMovements.Config(
            LakeLayout.at(lake.toString()),
            LakeTables.catalog(lake),
            landing().resolve(glob).toString(),
            city,
            false,
            Duration.ofSeconds(30),
            null,
            "test-" + System.nanoTime());
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    UberMovements.build(p.apply("MatchFiles", UberMovements.matchFiles(config)), config);
    p.run().waitUntilFinish();
  }

  private JsonNode report(String fileName) throws Exception {
    return LakeCommits.readReport(
            LakeLayout.at(lake.toString()),
            "silver",
            "uber_movements",
            UberSourceFiles.sourceId(fileName))
        .orElseThrow();
  }

  private static long count(String sql) throws Exception {
    return ((Number) UberSamples.query(sql).get(0).get(0)).longValue();
  }

  private String silver() {
    return UberSamples.silver(lake);
  }

  private String quarantine() {
    return "read_json_auto('"
        + lake.resolve(LakeLayout.QUARANTINE_UBER_MOVEMENTS)
        + "/**/*.jsonl', hive_partitioning = true)";
  }

  @Test
  void everySampleIsWrittenOrQuarantinedInTheRightPartition() throws Exception {
    for (String name : UberSamples.ROWS.keySet()) {
      UberSamples.drop(name, landing());
    }

    // Act: every file as dropped, then the files without a city in their name with --city.
    promote("*.csv", null);
    JsonNode unknownCity = report("wfallon-Travel_Times.csv");
    promote("madhavi1109-*.csv", "Bengaluru");
    promote("wfallon-*.csv", "boston");

    // Without a city, a file is rejected whole, each row quarantined...
    assertThat(unknownCity.path("rejected").asText()).isEqualTo("unknown_city");
    assertThat(unknownCity.path("quarantined").asLong()).isEqualTo(699);
    // ... and promoting it again with --city replaces that quarantine with its rows.
    assertThat(count("select count(*) from " + quarantine()))
        .as("only the Daily file's rows stay quarantined")
        .isEqualTo(DAILY_ROWS);

    // Every data row is read once, and written or quarantined.
    long read = 0;
    for (var sample : UberSamples.ROWS.entrySet()) {
      JsonNode r = report(sample.getKey());
      assertThat(r.path("read").asLong())
          .as(sample.getKey())
          .isEqualTo(sample.getValue().longValue());
      assertThat(r.path("written").asLong() + r.path("quarantined").asLong())
          .as(sample.getKey())
          .isEqualTo(sample.getValue().longValue());
      read += r.path("read").asLong();
    }
    assertThat(read).isEqualTo(ALL_ROWS);
    assertThat(count("select count(*) from " + silver())).isEqualTo(ALL_ROWS - DAILY_ROWS);

    // Partitions: city from the name, the city column or --city; the date range's start.
    assertThat(
            UberSamples.query(
                "select city, year, month, day, count(*) from "
                    + silver()
                    + " group by all order by all"))
        .containsExactly(
            List.of("bengaluru", 2018, 1, 1, 198L + 7 + 6),
            List.of("bengaluru", 2020, 3, 1, 198L),
            List.of("boston", 2016, 7, 31, 699L),
            List.of("johannesburg_and_pretoria", 2016, 7, 31, 226L),
            List.of("manila", 2016, 7, 31, 477L),
            List.of("paris", 2016, 9, 3, 2227L));
    assertThat(
            Files.isDirectory(
                lake.resolve("silver/uber_movements/data/city=bengaluru/year=2020/month=3/day=1")))
        .isTrue();
    assertThat(LakeTables.assertReadersAgree(lake, LakeTable.SILVER_UBER_MOVEMENTS))
        .isEqualTo(ALL_ROWS - DAILY_ROWS);

    // Paris rows with an empty destination name survive with a null.
    assertThat(
            UberSamples.query(
                "select destination_movement_id from "
                    + silver()
                    + " where city = 'paris' and destination_display_name is null order by 1"))
        .containsExactly(List.of("3697"), List.of("438"));

    // The Daily file is rejected whole, with its reason in the report and the quarantine.
    JsonNode daily = report("madhavi1109-Travel_Times_Daily.csv");
    assertThat(daily.path("rejected").asText()).isEqualTo("unsupported_file_shape");
    assertThat(daily.path("rejected_detail").asText()).contains("date_range").contains("\"Date\"");
    assertThat(daily.path("quarantined_by_reason").path("unsupported_file_shape").asLong())
        .isEqualTo(DAILY_ROWS);
    assertThat(UberSamples.query("select distinct reason from " + quarantine()))
        .containsExactly(List.of("unsupported_file_shape"));

    // Types: Snappy Parquet, DATE for the range, the trailing parts and extras as given.
    assertThat(
            UberSamples.query(
                "select distinct compression from parquet_metadata("
                    + LakeTables.fileList(lake, LakeTable.SILVER_UBER_MOVEMENTS)
                    + ")"))
        .containsExactly(List.of("SNAPPY"));
    assertThat(
            UberSamples.query(
                "select typeof(date_range_start), typeof(date_range_end), min(date_range_start)::"
                    + "varchar, max(date_range_end)::varchar from "
                    + silver()
                    + " where city = 'bengaluru' and year = 2020 group by all"))
        .containsExactly(List.of("DATE", "DATE", "2020-03-01", "2020-03-31"));
    assertThat(
            UberSamples.query(
                "select days, aggregation, count(*) from "
                    + silver()
                    + " where source_file like '%madhavi1109%' group by all order by all"))
        .containsExactly(
            List.of("Every day", "Daily Average", 198L),
            Arrays.asList("Every day", null, 6L),
            Arrays.asList(null, "Daily Average", 7L));
    assertThat(
            count(
                "select count(*) from "
                    + silver()
                    + " where city = 'boston' and travel_distance_meters between 967 and 110517"))
        .isEqualTo(699);
    assertThat(
            count(
                "select count(*) from "
                    + silver()
                    + " where city = 'manila' and origin_geometry like '[[120.98%'"))
        .isEqualTo(477);
  }

  @Test
  void promotingAgainGivesTheSameRowsOnce() throws Exception {
    for (String name :
        List.of(
            "Travel_Times - Bengaluru.csv", "travel_times_paris.csv", "wfallon-Travel_Times.csv")) {
      UberSamples.drop(name, landing());
    }
    promote("*.csv", "somewhere");
    List<List<Object>> first = rows();
    List<String> firstFiles = files();

    promote("*.csv", "somewhere");
    promote("travel_times_paris.csv", "somewhere");

    assertThat(rows()).isEqualTo(first);
    assertThat(first).hasSize(198 + 2227 + 699);
    // Each promotion replaced its source file's rows with new files, one commit per file.
    assertThat(files()).hasSameSizeAs(firstFiles).doesNotContainAnyElementsOf(firstFiles);
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      List<String> units = new ArrayList<>();
      SnapshotUtil.currentAncestors(catalog.table(LakeTable.SILVER_UBER_MOVEMENTS))
          .forEach(snapshot -> units.add(snapshot.summary().get("lake.unit")));
      assertThat(units).hasSize(3 + 3 + 1);
      assertThat(units.get(0)).endsWith("travel_times_paris.csv");
    }
  }

  private List<List<Object>> rows() throws Exception {
    return UberSamples.query(
        "select city, source_file, origin_movement_id, destination_movement_id, date_range,"
            + " mean_travel_time_seconds from "
            + silver()
            + " order by all");
  }

  /** The data files of the table's current snapshot. */
  private List<String> files() {
    return LakeTables.currentFiles(LakeTables.catalog(lake), LakeTable.SILVER_UBER_MOVEMENTS);
  }
}
