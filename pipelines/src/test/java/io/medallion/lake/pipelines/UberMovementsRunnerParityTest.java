package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File-drop runner parity: every public sample, dropped in one landing folder, promoted in batch on
 * the DirectRunner and on embedded Flink into two lakes, gives the same rows (DuckDB, {@code EXCEPT
 * ALL} both ways) and the same reports apart from the run's own fields; on both runners each report
 * and each quarantine line records the source's last-modified time as the file system gives it
 * (Flink encodes each file between steps, and Beam's default coder for a match result leaves that
 * time out: every file read as modified at the epoch).
 */
class UberMovementsRunnerParityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What differs between two runs of the same input: who ran it, when, and its snapshot files. */
  private static final List<String> RUN_FIELDS =
      List.of("run_id", "committed_at", "snapshots", "files");

  @TempDir static Path base;
  static Path landing;
  static Path direct;
  static Path flink;

  @BeforeAll
  static void promoteOnBothRunners() throws IOException {
    landing = base.resolve("landing");
    for (String name : UberSamples.ROWS.keySet()) {
      UberSamples.drop(name, landing);
    }
    direct = base.resolve("direct");
    flink = base.resolve("flink");
    promote(direct, List.of("--runner=DirectRunner"));
    promote(flink, EmbeddedFlink.batchArgs(2));
  }

  private static void promote(Path lake, List<String> runner) throws IOException {
    List<String> args = new ArrayList<>(runner);
    args.add("--lake=" + lake);
    args.add("--input=" + landing.resolve("*.csv"));
    UberMovements.Options options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
            .as(UberMovements.Options.class);
    assertThat(UberMovements.run(options).waitUntilFinish())
        .as(runner.get(0))
        .isEqualTo(PipelineResult.State.DONE);
  }

  private static JsonNode report(Path lake, String name) throws IOException {
    return Reports.read(
            LakeLayout.at(lake.toString()),
            UberMovements.DATASET,
            UberMovements.DATASET.fileUnit(landing.resolve(name).toString()).name())
        .orElseThrow(() -> new AssertionError("no report for " + name + " in " + lake));
  }

  /** The dropped file's last-modified time as the lake records it. */
  private static String lastModified(String name) throws IOException {
    return UberSamples.lastModified(landing.resolve(name));
  }

  @Test
  void eachReportRecordsItsSourceAsTheFileSystemGivesIt() throws IOException {
    for (String name : UberSamples.ROWS.keySet()) {
      for (Path lake : List.of(direct, flink)) {
        JsonNode report = report(lake, name);
        assertThat(report.path("source_last_modified").asText())
            .as(name + " in " + lake.getFileName())
            .isEqualTo(lastModified(name));
        assertThat(report.path("source_size").asLong())
            .as(name + " in " + lake.getFileName())
            .isEqualTo(Files.size(landing.resolve(name)));
      }
    }
  }

  @Test
  void bothRunnersWriteTheSameReportsApartFromTheRun() throws IOException {
    for (String name : UberSamples.ROWS.keySet()) {
      ObjectNode onDirect = report(direct, name).deepCopy();
      ObjectNode onFlink = report(flink, name).deepCopy();
      onDirect.remove(RUN_FIELDS);
      onFlink.remove(RUN_FIELDS);
      assertThat(onFlink).as(name).isEqualTo(onDirect);
    }
  }

  @Test
  void bothRunnersWriteTheSameRows() throws Exception {
    String onDirect = LakeTables.duckDb(direct, LakeTable.SILVER_UBER_MOVEMENTS);
    String onFlink = LakeTables.duckDb(flink, LakeTable.SILVER_UBER_MOVEMENTS);
    long rows = count("select count(*) from " + onDirect);
    assertThat(rows).isPositive().isEqualTo(count("select count(*) from " + onFlink));
    assertThat(count(except(onDirect, onFlink))).isZero();
    assertThat(count(except(onFlink, onDirect))).isZero();
  }

  @Test
  void quarantineLinesRecordTheSourcesLastModifiedTimeOnBothRunners() throws IOException {
    // The files without a city in their name are rejected whole: each of their rows quarantined.
    List<JsonNode> onDirect = quarantineLines(direct);
    assertThat(onDirect).isNotEmpty().hasSameSizeAs(quarantineLines(flink));
    for (Path lake : List.of(direct, flink)) {
      for (JsonNode line : quarantineLines(lake)) {
        String source = Path.of(line.path("source").asText()).getFileName().toString();
        assertThat(line.path("source_last_modified").asText())
            .as(source + " in " + lake.getFileName())
            .isEqualTo(lastModified(source));
      }
    }
  }

  private static List<JsonNode> quarantineLines(Path lake) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    try (Stream<Path> files =
        Files.walk(lake.resolve(UberMovements.DATASET.quarantine().orElseThrow()))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(file)) {
          lines.add(JSON.readTree(line));
        }
      }
    }
    return lines;
  }

  private static String except(String left, String right) {
    return "select count(*) from (select * from "
        + left
        + " except all select * from "
        + right
        + ")";
  }

  private static long count(String sql) throws Exception {
    return ((Number) DuckDb.rows(sql).get(0).get(0)).longValue();
  }
}
