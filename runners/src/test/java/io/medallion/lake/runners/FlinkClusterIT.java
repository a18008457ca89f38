package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.pipelines.ProduceEvents;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled jar on a real Flink cluster: starts the standalone session cluster of {@code
 * src/scripts/flink-cluster.sh} ({@link LocalFlinkCluster}, on free ports), submits silver with the
 * launcher ({@code java -jar lake.jar silver --runner=FlinkRunner --flinkMaster=127.0.0.1:port})
 * and gold with {@code flink run lake.jar gold ...} (Flink's CliFrontend), checks the tables with
 * DuckDB and that the cluster ran both jobs, and stops the cluster whatever happened.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterIT {
  private static final Path MODULE = LocalFlinkCluster.MODULE;
  private static final Path JAR = MODULE.resolve("target/lake.jar");
  private static final long EVENTS = 4000;

  @TempDir static Path work;
  static Path lake;
  static LocalFlinkCluster cluster;
  static EventGenerator.Summary produced;

  @BeforeAll
  static void startClusterAndProduce() throws Exception {
    assertThat(JAR).as("run after `package`: the bundled jar").exists();
    cluster = LocalFlinkCluster.start(MODULE.resolve("target/flink-it-cluster"), work);

    lake = work.resolve("lake");
    produced =
        ProduceEvents.run(
            PipelineOptionsFactory.fromArgs(
                    "--lake=" + lake,
                    "--events=" + EVENTS,
                    "--hours=2",
                    "--start=2026-01-01T00",
                    "--filesPerHour=4")
                .as(ProduceEvents.Options.class));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.stop();
    }
  }

  @Test
  @Order(1)
  void silverSubmittedByTheLauncherRunsOnTheCluster() throws Exception {
    ChildProcess silver =
        ChildProcess.run(
            ChildProcess.java(
                "-jar",
                JAR.toString(),
                "silver",
                "--lake=" + lake,
                "--from=2026-01-01T00",
                "--to=2026-01-01T01",
                "--runner=FlinkRunner",
                "--flinkMaster=" + cluster.master(),
                "--parallelism=2"),
            Map.of(),
            LocalFlinkCluster.ROOT,
            work,
            Duration.ofMinutes(15));

    assertThat(silver.exit()).as(silver.tail()).isZero();
    assertThat(silver.output()).contains("silver/events dt=2026-01-01/hour=01");
    long written = DuckDb.count("SELECT count(*) FROM " + parquet("silver/events"));
    long quarantined =
        DuckDb.count(
            "SELECT count(*) FROM read_json_auto('"
                + lake
                + "/quarantine/events/**/*.jsonl', format = 'newline_delimited')");
    assertThat(written + quarantined).isEqualTo(produced.records);
    assertThat(quarantined).isEqualTo(produced.malformedRecords);
    assertThat(cluster.finishedJobs()).isEqualTo(1);
  }

  @Test
  @Order(2)
  void goldSubmittedWithFlinkRunRunsOnTheCluster() throws Exception {
    ChildProcess gold =
        cluster.flinkRun(
            List.of(
                "-m",
                cluster.master(),
                "-p",
                "2",
                JAR.toString(),
                "gold",
                "--lake=" + lake,
                "--from=2025-12-31",
                "--to=2026-01-01",
                "--runner=FlinkRunner"));

    assertThat(gold.exit()).as(gold.tail()).isZero();
    assertThat(DuckDb.count("SELECT count(DISTINCT event_uuid) FROM " + parquet("gold/events")))
        .isEqualTo(produced.validEvents);
    assertThat(DuckDb.count("SELECT count(*) FROM " + parquet("gold/events")))
        .as("one row per event and date")
        .isEqualTo(produced.validEvents);
    assertThat(
            DuckDb.count(
                "SELECT sum(distinct_events) FROM "
                    + parquet("gold/event_stats")
                    + " WHERE date = DATE '2026-01-01'"))
        .isEqualTo(
            DuckDb.count(
                "SELECT count(*) FROM "
                    + parquet("gold/events")
                    + " WHERE date = DATE '2026-01-01'"));
    long duplicatesRemoved = 0;
    for (String date : List.of("2025-12-31", "2026-01-01")) {
      JsonNode report =
          new ObjectMapper()
              .readTree(lake.resolve("_reports/gold/events/date=" + date + ".json").toFile());
      assertThat(report.path("reconciled").asBoolean()).as(date).isTrue();
      duplicatesRemoved += report.path("duplicates_removed").asLong();
    }
    assertThat(duplicatesRemoved).isEqualTo(produced.duplicateRecords);
    assertThat(cluster.finishedJobs()).isEqualTo(2);
    for (LakeTable table : List.of(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS)) {
      assertThat(LakeTables.assertReadersAgree(lake, table)).as(table.tableName()).isPositive();
    }
  }

  /** DuckDB over the data files of the table's current Iceberg snapshot. */
  private static String parquet(String table) {
    return LakeTables.duckDb(lake, LakeTable.named(table.replace('/', '_')));
  }
}
