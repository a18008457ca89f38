package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.filedrop.PromoteDroppedFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoder;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promotes every public sample in batch and reads the lake back with DuckDB, not with the code that
 * wrote it.
 */
class UberMovementsTest {
  private static final int ALL_RECORDS =
      UberSamples.RECORDS.values().stream().mapToInt(Integer::intValue).sum();
  private static final String DAILY = "madhavi1109-Travel_Times_Daily.csv";

  @TempDir Path lake;

  private Path landing() {
    return lake.resolve(UberMovements.DATASET.landing().orElseThrow());
  }

  private void promote(String glob, String city) {
    promote(glob, city, false);
  }

  private PipelineResult promote(String glob, String city, boolean allowEmpty) {
    UberMovements.Config config =
        new UberMovements.Config(
            LakeLayout.at(lake.toString()),
            LakeTables.catalog(lake),
            landing().resolve(glob).toString(),
            city,
            false,
            Duration.ofSeconds(30),
            null,
            "test-" + System.nanoTime(),
            allowEmpty);
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    UberMovements.build(p.apply("MatchFiles", UberMovements.matchFiles(config)), config);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return result;
  }

  private JsonNode report(String fileName) throws Exception {
    return Reports.read(
            LakeLayout.at(lake.toString()),
            UberMovements.DATASET,
            UberMovements.DATASET.fileUnit(fileName).name())
        .orElseThrow();
  }

  private static long count(String sql) throws Exception {
    return ((Number) DuckDb.rows(sql).get(0).get(0)).longValue();
  }

  private String silver() {
    return UberSamples.silver(lake);
  }

  private String quarantine() {
    return "read_json_auto('"
        + lake.resolve(UberMovements.DATASET.quarantine().orElseThrow())
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
    // ... and promoting it again with --city replaces that quarantine with its rows: every sample
    // is taken whole, nothing stays quarantined.
    try (Stream<Path> files =
        Files.walk(lake.resolve(UberMovements.DATASET.quarantine().orElseThrow()))) {
      assertThat(files.filter(f -> f.toString().endsWith(".jsonl"))).isEmpty();
    }

    // Every record is read once and written: a travel-time group with values.
    long read = 0;
    for (var sample : UberSamples.RECORDS.entrySet()) {
      JsonNode r = report(sample.getKey());
      assertThat(List.of(r.path("read").asLong(), r.path("written").asLong()))
          .as(sample.getKey())
          .containsExactly(sample.getValue().longValue(), sample.getValue().longValue());
      assertThat(r.path("quarantined").asLong()).as(sample.getKey()).isZero();
      assertThat(r.path("rejected").isMissingNode()).as(sample.getKey()).isTrue();
      read += r.path("read").asLong();
    }
    assertThat(read).isEqualTo(ALL_RECORDS);
    // A travel-time group with all three cells empty is no record: counted, not read.
    for (String name :
        List.of("madhavi1109-Travel_Times_Daily.csv", "madhavi1109-Travel_Times_time_of_day.csv")) {
      assertThat(report(name).path("counts").path("empty_travel_times").asLong())
          .as(name)
          .isEqualTo(1);
    }
    assertThat(report("travel_times_paris.csv").path("counts").path("empty_travel_times").asLong())
        .isZero();
    assertThat(count("select count(*) from " + silver())).isEqualTo(ALL_RECORDS);
    assertThat(
            count(
                "select count(*) from "
                    + silver()
                    + " where mean_travel_time_seconds is null"
                    + " or lower_bound_travel_time_seconds is null"
                    + " or upper_bound_travel_time_seconds is null"))
        .as("an empty group is no row")
        .isZero();

    // Partitions: city from the name, the city column or --city; the date range's start.
    assertThat(
            DuckDb.rows(
                "select city, year, month, day, count(*) from "
                    + silver()
                    + " where source_file not like '%/"
                    + DAILY
                    + "' group by all order by all"))
        .containsExactly(
            List.of("bengaluru", 2018, 1, 1, 198L + 7 + 5),
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
        .isEqualTo(ALL_RECORDS);

    // Paris rows with an empty destination name survive with a null.
    assertThat(
            DuckDb.rows(
                "select destination_movement_id from "
                    + silver()
                    + " where city = 'paris' and destination_display_name is null order by 1"))
        .containsExactly(List.of("3697"), List.of("438"));

    // The Daily file: a row per period of each day, in the partition of its own date.
    List<List<Object>> dailyPartitions = new ArrayList<>();
    for (int day = 1; day <= 31; day++) {
      dailyPartitions.add(List.of("bengaluru", 2018, 1, day, day == 25 ? 5L : 6L));
    }
    assertThat(
            DuckDb.rows(
                "select city, year, month, day, count(*) from "
                    + silver()
                    + " where source_file like '%/"
                    + DAILY
                    + "' and date_range_start = date_range_end"
                    + " and day(date_range_start) = day group by all order by all"))
        .isEqualTo(dailyPartitions);
    assertThat(
            DuckDb.rows(
                "select time_of_day, count(*) from "
                    + silver()
                    + " where source_file like '%/"
                    + DAILY
                    + "' group by all order by all"))
        .containsExactly(
            List.of("AM", 31L),
            List.of("Daily Average", 31L),
            List.of("Early Morning", 31L),
            List.of("Evening", 31L),
            List.of("Midday", 31L),
            List.of("PM", 30L));
    assertThat(
            DuckDb.rows(
                "select date_range, date_range_start::varchar, date_range_end::varchar,"
                    + " mean_travel_time_seconds, lower_bound_travel_time_seconds,"
                    + " upper_bound_travel_time_seconds from "
                    + silver()
                    + " where source_file like '%/"
                    + DAILY
                    + "' and time_of_day = 'Daily Average' and day = 25"))
        .containsExactly(List.of("01/25/2018", "2018-01-25", "2018-01-25", 1768.0, 1345.0, 2324.0));

    // Types: Snappy Parquet, DATE for the range, the trailing parts and extras as given.
    assertThat(
            DuckDb.rows(
                "select distinct compression from parquet_metadata("
                    + LakeTables.fileList(lake, LakeTable.SILVER_UBER_MOVEMENTS)
                    + ")"))
        .containsExactly(List.of("SNAPPY"));
    assertThat(
            DuckDb.rows(
                "select typeof(date_range_start), typeof(date_range_end), min(date_range_start)::"
                    + "varchar, max(date_range_end)::varchar from "
                    + silver()
                    + " where city = 'bengaluru' and year = 2020 group by all"))
        .containsExactly(List.of("DATE", "DATE", "2020-03-01", "2020-03-31"));
    assertThat(
            DuckDb.rows(
                "select days, aggregation, count(*) from "
                    + silver()
                    + " where source_file like '%madhavi1109%' group by all order by all"))
        .containsExactly(
            List.of("Every day", "Daily Average", 198L),
            Arrays.asList("Every day", null, 5L),
            Arrays.asList(null, "Daily Average", 7L),
            Arrays.asList(null, null, 185L));
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
  void aFileNamedLikeAnUploadInFlightOrHiddenIsCountedNotPromoted() throws Exception {
    Path sample = UberSamples.drop("Travel_Times - Bengaluru.csv", landing());
    Files.copy(sample, landing().resolve("_uploading.csv"));
    Files.copy(sample, landing().resolve(".hidden.csv"));

    PipelineResult result = promote("*.csv", "bengaluru", false);

    assertThat(report("Travel_Times - Bengaluru.csv").path("written").asLong()).isEqualTo(198);
    for (String name : List.of("_uploading.csv", ".hidden.csv")) {
      assertThat(
              Reports.read(
                  LakeLayout.at(lake.toString()),
                  UberMovements.DATASET,
                  UberMovements.DATASET.fileUnit(name).name()))
          .as(name)
          .isEmpty();
    }
    assertThat(count("select count(*) from " + silver())).isEqualTo(198);
    assertThat(counter(result, "files_ignored")).isEqualTo(2);
  }

  @Test
  void semicolonAndTabExportsAreReadExactlyLikeTheCommaOne() throws Exception {
    Path comma = UberSamples.drop("Travel_Times - Bengaluru.csv", landing());
    String text = Files.readString(comma);
    Files.writeString(landing().resolve("semicolon.csv"), withDelimiter(text, ';'));
    Files.writeString(landing().resolve("tab.csv"), withDelimiter(text, '\t'));

    promote("*.csv", "bengaluru");

    for (String name : List.of("Travel_Times - Bengaluru.csv", "semicolon.csv", "tab.csv")) {
      assertThat(report(name).path("written").asLong()).as(name).isEqualTo(198);
    }
    assertThat(report("semicolon.csv").path("delimiter").asText()).isEqualTo(";");
    assertThat(report("tab.csv").path("delimiter").asText()).isEqualTo("\t");
    String columns =
        "origin_movement_id, origin_display_name, destination_movement_id,"
            + " destination_display_name, date_range, date_range_start, mean_travel_time_seconds,"
            + " lower_bound_travel_time_seconds, upper_bound_travel_time_seconds, city, year";
    List<List<Object>> fromComma =
        DuckDb.rows(
            "select "
                + columns
                + " from "
                + silver()
                + " where source_file like '%Bengaluru.csv'"
                + " order by all");
    assertThat(fromComma).hasSize(198);
    for (String name : List.of("semicolon.csv", "tab.csv")) {
      assertThat(
              DuckDb.rows(
                  "select "
                      + columns
                      + " from "
                      + silver()
                      + " where source_file like '%/"
                      + name
                      + "' order by all"))
          .as(name)
          .isEqualTo(fromComma);
    }
  }

  /** The CSV re-written with another delimiter, quoting what needs it, as a spreadsheet would. */
  private static String withDelimiter(String csv, char delimiter) throws Exception {
    StringBuilder out = new StringBuilder();
    try (CSVParser parser = CSVFormat.DEFAULT.parse(new StringReader(csv));
        CSVPrinter printer =
            new CSVPrinter(out, CSVFormat.DEFAULT.builder().setDelimiter(delimiter).build())) {
      for (CSVRecord record : parser) {
        printer.printRecord(record.toList());
      }
    }
    assertThat(out.toString()).contains(String.valueOf(delimiter)).doesNotStartWith(",");
    return out.toString();
  }

  @Test
  void filesWeCannotTakeAreCountedAndQuarantinedWithTheirReason() throws Exception {
    Files.createDirectories(landing());
    Files.write(landing().resolve("Travel_Times - Empty.csv"), new byte[0]);
    UberSamples.drop("Travel_Times - Bengaluru.csv", landing());
    String header =
        Files.readString(landing().resolve("Travel_Times - Bengaluru.csv"))
            .lines()
            .findFirst()
            .orElseThrow();
    Files.delete(landing().resolve("Travel_Times - Bengaluru.csv"));
    Files.writeString(landing().resolve("Travel_Times - Header.csv"), header + "\r\n");
    Files.write(
        landing().resolve("Travel_Times - Latin1.csv"),
        (header.replace("Display", "Dénomination") + "\n1,a\n2,b\n3,c\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    Files.write(
        landing().resolve("Travel_Times - Binary.csv"),
        new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 1, '\n', (byte) 0xFF});

    promote("*.csv", null);

    assertThat(List.of("Empty", "Header", "Latin1", "Binary"))
        .extracting(
            city -> {
              JsonNode r = report("Travel_Times - " + city + ".csv");
              return List.of(
                  r.path("rejected").asText(),
                  r.path("read").asLong(),
                  r.path("quarantined").asLong(),
                  r.path("written").asLong());
            })
        .containsExactly(
            List.of("empty_file", 0L, 0L, 0L),
            List.of("empty_file", 0L, 0L, 0L),
            List.of("malformed_csv", 3L, 3L, 0L),
            List.of("malformed_csv", 3L, 3L, 0L));
    // Each file has its own line (record 0) in the quarantine, and one per line it held.
    assertThat(
            DuckDb.rows(
                "select regexp_extract(source, '- (\\w+)\\.csv', 1) as f, reason,"
                    + " count(*) filter (where record_number = 0),"
                    + " count(*) filter (where record_number > 0) from "
                    + quarantine()
                    + " group by all order by all"))
        .containsExactly(
            List.of("Binary", "malformed_csv", 1L, 3L),
            List.of("Empty", "empty_file", 1L, 0L),
            List.of("Header", "empty_file", 1L, 0L),
            List.of("Latin1", "malformed_csv", 1L, 3L));
    assertThat(
            DuckDb.rows(
                "select raw_line from "
                    + quarantine()
                    + " where source like '%Latin1.csv' and record_number > 0 order by 1"))
        .containsExactly(List.of("1,a"), List.of("2,b"), List.of("3,c"));
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
      // lake.unit is the unit's name, as in its report's path: the source id.
      assertThat(units.get(0))
          .isEqualTo(UberMovements.DATASET.fileUnit("travel_times_paris.csv").name())
          .startsWith("travel_times_paris-");
    }
  }

  /**
   * A watch delivers each polled file at least once: the same file delivered three times at once is
   * promoted once (one commit) and skipped twice, never promoted twice nor failed by its own
   * concurrent commit.
   */
  @Test
  void aFileDeliveredThreeTimesAtOnceIsPromotedOnce() throws Exception {
    Path paris = UberSamples.drop("travel_times_paris.csv", landing());
    MatchResult.Metadata file = FileSystems.matchSingleFileSpec(paris.toString());
    UberMovements.Config watch = fileConfig(paris, true);
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    // Three deliveries in three bundles, as three polls would hand them over.
    UberMovements.build(
        p.apply(Create.of(file, file, file).withCoder(MetadataCoderV2.of()))
            .apply(Reshuffle.viaRandomKey()),
        watch);
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat(counter(result, "files_promoted")).isEqualTo(1);
    assertThat(counter(result, "files_skipped")).isEqualTo(2);
    assertThat(count("select count(*) from " + silver())).isEqualTo(2227);
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      assertThat(SnapshotUtil.currentAncestorIds(catalog.table(LakeTable.SILVER_UBER_MOVEMENTS)))
          .hasSize(1);
    }
  }

  /** Files coded without their last-modified time are refused when the pipeline is built. */
  @Test
  void filesCodedWithoutTheirLastModifiedTimeAreRefused() throws Exception {
    Path paris = UberSamples.drop("travel_times_paris.csv", landing());
    MatchResult.Metadata file = FileSystems.matchSingleFileSpec(paris.toString());
    UberMovements.Config config = fileConfig(paris, false);
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PCollection<MatchResult.Metadata> files =
        p.apply(Create.of(file).withCoder(MetadataCoder.of()));

    assertThatThrownBy(() -> UberMovements.build(files, config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("last-modified time")
        .hasMessageContaining("MatchDroppedFiles");
  }

  /** A run over one file; in watch mode it skips versions promoted already. */
  private UberMovements.Config fileConfig(Path file, boolean watch) {
    return new UberMovements.Config(
        LakeLayout.at(lake.toString()),
        LakeTables.catalog(lake),
        file.toString(),
        null,
        watch,
        Duration.ofSeconds(1),
        watch ? Duration.ofSeconds(1) : null,
        "test-" + System.nanoTime(),
        false);
  }

  private static long counter(PipelineResult result, String name) {
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(PromoteDroppedFiles.class, name))
                    .build());
    assertThat(metrics.getCounters()).as(name).hasSize(1);
    return metrics.getCounters().iterator().next().getAttempted();
  }

  private List<List<Object>> rows() throws Exception {
    return DuckDb.rows(
        "select city, source_file, origin_movement_id, destination_movement_id, date_range,"
            + " mean_travel_time_seconds from "
            + silver()
            + " order by all");
  }

  /** The data files of the table's current snapshot. */
  private List<String> files() {
    return LakeTables.currentFiles(LakeTables.catalog(lake), LakeTable.SILVER_UBER_MOVEMENTS);
  }

  @Test
  void anEmptyVersionOfAFileDoesNotReplaceItsRowsUnlessAllowed() throws Exception {
    Path bengaluru = UberSamples.drop("Travel_Times - Bengaluru.csv", landing());
    promote("*.csv", null);
    String promoted = report("Travel_Times - Bengaluru.csv").path("run_id").asText();
    assertThat(count("select count(*) from " + silver())).isEqualTo(198);

    Files.write(bengaluru, new byte[0]); // re-uploaded empty, by mistake
    promote("*.csv", null);

    assertThat(count("select count(*) from " + silver())).isEqualTo(198);
    assertThat(report("Travel_Times - Bengaluru.csv").path("run_id").asText())
        .as("the earlier version's report stays")
        .isEqualTo(promoted);

    promote("*.csv", null, true);

    assertThat(count("select count(*) from " + silver())).isZero();
    assertThat(report("Travel_Times - Bengaluru.csv").path("rejected").asText())
        .isEqualTo("empty_file");
  }
}
