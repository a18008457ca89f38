package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.pipelines.ProduceEvents;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.tables.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * src/scripts/flink-cluster.sh} (a JobManager and a TaskManager JVM on 127.0.0.1, on free ports),
 * submits silver with the launcher ({@code java -jar lake.jar silver --runner=FlinkRunner
 * --flinkMaster=127.0.0.1:port}) and gold with {@code flink run lake.jar gold ...} (Flink's
 * CliFrontend), checks the tables with DuckDB and that the cluster ran both jobs, and stops the
 * cluster whatever happened.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterIT {
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();
  private static final Path JAR = MODULE.resolve("target/lake.jar");
  private static final Path SCRIPT = ROOT.resolve("src/scripts/flink-cluster.sh");
  private static final Path CLUSTER = MODULE.resolve("target/flink-it-cluster");
  private static final long EVENTS = 4000;

  @TempDir static Path work;
  static Path lake;
  static int restPort;
  static int rpcPort;
  static EventGenerator.Summary produced;

  @BeforeAll
  static void startClusterAndProduce() throws Exception {
    assertThat(JAR).as("run after `package`: the bundled jar").exists();
    restPort = freePort();
    rpcPort = freePort();
    Process up = script("up");
    assertThat(up.exitValue()).as("flink-cluster.sh up").isZero();

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
    script("down");
  }

  @Test
  @Order(1)
  void silverSubmittedByTheLauncherRunsOnTheCluster() throws Exception {
    Result silver =
        run(
            List.of(
                java(),
                "-jar",
                JAR.toString(),
                "silver",
                "--lake=" + lake,
                "--from=2026-01-01T00",
                "--to=2026-01-01T01",
                "--runner=FlinkRunner",
                "--flinkMaster=127.0.0.1:" + restPort,
                "--parallelism=2"),
            Map.of());

    assertThat(silver.exit()).as(silver.output()).isZero();
    assertThat(silver.output()).contains("silver/events dt=2026-01-01/hour=01");
    long written = DuckDb.count("SELECT count(*) FROM " + parquet("silver/events"));
    long quarantined =
        DuckDb.count(
            "SELECT count(*) FROM read_json_auto('"
                + lake
                + "/quarantine/events/**/*.jsonl', format = 'newline_delimited')");
    assertThat(written + quarantined).isEqualTo(produced.records);
    assertThat(quarantined).isEqualTo(produced.malformedRecords);
    assertThat(finishedJobs()).isEqualTo(1);
  }

  @Test
  @Order(2)
  void goldSubmittedWithFlinkRunRunsOnTheCluster() throws Exception {
    Result gold =
        run(
            List.of(
                SCRIPT.toString(),
                "run",
                "-m",
                "127.0.0.1:" + restPort,
                "-p",
                "2",
                JAR.toString(),
                "gold",
                "--lake=" + lake,
                "--from=2025-12-31",
                "--to=2026-01-01",
                "--runner=FlinkRunner"),
            clusterEnv());

    assertThat(gold.exit()).as(gold.output()).isZero();
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
    assertThat(finishedJobs()).isEqualTo(2);
    for (LakeTable table : List.of(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS)) {
      assertThat(LakeTables.assertReadersAgree(lake, table)).as(table.tableName()).isPositive();
    }
  }

  /** DuckDB over the data files of the table's current Iceberg snapshot. */
  private static String parquet(String table) {
    return LakeTables.duckDb(lake, LakeTable.named(table.replace('/', '_')));
  }

  private static long finishedJobs() throws Exception {
    HttpResponse<String> overview =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/overview"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    JsonNode json = new ObjectMapper().readTree(overview.body());
    assertThat(json.path("jobs-failed").asLong()).as(overview.body()).isZero();
    return json.path("jobs-finished").asLong();
  }

  private static Map<String, String> clusterEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("FLINK_CLUSTER_DIR", CLUSTER.toString());
    env.put("FLINK_REST_PORT", String.valueOf(restPort));
    env.put("FLINK_RPC_PORT", String.valueOf(rpcPort));
    String mavenHome = System.getProperty("maven.home");
    if (mavenHome != null && Files.isExecutable(Path.of(mavenHome, "bin", "mvn"))) {
      env.put("MVN", Path.of(mavenHome, "bin", "mvn").toString());
    }
    return env;
  }

  private static Process script(String command) throws Exception {
    Result result = run(List.of(SCRIPT.toString(), command), clusterEnv());
    System.out.println(result.output());
    return result.process();
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  record Result(Process process, int exit, String output) {}

  private static Result run(List<String> command, Map<String, String> env) throws Exception {
    Path log = Files.createTempFile(work, "process", ".log");
    List<String> all = new ArrayList<>(command);
    ProcessBuilder builder =
        new ProcessBuilder(all)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(15, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish in 15 minutes:\n" + tail(log));
    }
    return new Result(process, process.exitValue(), tail(log));
  }

  private static String tail(Path log) throws IOException {
    String text = Files.readString(log);
    return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
