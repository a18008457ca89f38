package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.pipelines.ProduceEvents;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.testing.DuckDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the pipelines run through {@code mvn exec} on Flink exactly as with the jar. Starts the
 * README's command, {@code mvn -pl runners -am test-compile exec:java -Dexec.args="..."}, in a
 * child process from the project root, as a user would: silver and gold with {@code
 * --runner=FlinkRunner} on embedded Flink, then on the local session cluster ({@link
 * LocalFlinkCluster}) with {@code --flinkMaster}; checks every table with DuckDB and that both runs
 * wrote the same rows; then that a failed run exits with 1 and the jar's one-line error (under the
 * {@code flink-runner} profile, which makes Flink the default), and that no command prints the
 * usage and exits with 2.
 *
 * <p>The child Maven is the one running this build ({@code maven.home}), on the same local
 * repository, in batch mode, quiet, without snapshot updates: the classes are already compiled, so
 * its {@code test-compile} finds nothing to do and leaves the outer build's output alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MvnExecFlinkIT {
  private static final Path MODULE = LocalFlinkCluster.MODULE;
  private static final Path ROOT = LocalFlinkCluster.ROOT;
  private static final Path JAR = MODULE.resolve("target/lake.jar");
  private static final Duration TIMEOUT = Duration.ofMinutes(15);
  private static final String SILVER_HOURS = "--from=2026-01-01T00 --to=2026-01-01T01";
  private static final String GOLD_DATES = "--from=2025-12-31 --to=2026-01-01";

  @TempDir static Path work;
  static Path embeddedLake;
  static Path clusterLake;
  static EventGenerator.Summary produced;

  @BeforeAll
  static void produce() throws Exception {
    embeddedLake = work.resolve("embedded");
    clusterLake = work.resolve("cluster");
    // The same seed into both lakes: the same records, so one summary describes both.
    for (Path lake : List.of(embeddedLake, clusterLake)) {
      produced =
          ProduceEvents.run(
              PipelineOptionsFactory.fromArgs(
                      "--lake=" + lake,
                      "--events=2000",
                      "--hours=2",
                      "--start=2026-01-01T00",
                      "--filesPerHour=2")
                  .as(ProduceEvents.Options.class));
    }
  }

  @Test
  @Order(1)
  void embeddedFlinkPromotesSilverAndGold() throws Exception {
    ChildProcess silver =
        mvnExec(
            List.of(),
            "silver --lake=" + embeddedLake + " " + SILVER_HOURS + " --runner=FlinkRunner");
    assertThat(silver.exit()).as(silver.tail()).isZero();
    assertThat(silver.output()).contains("silver/events dt=2026-01-01/hour=01: read ");

    ChildProcess gold =
        mvnExec(
            List.of(), "gold --lake=" + embeddedLake + " " + GOLD_DATES + " --runner=FlinkRunner");
    assertThat(gold.exit()).as(gold.tail()).isZero();
    assertThat(gold.output()).contains("gold/events date=2026-01-01: read ");

    assertEveryRecordAccountedFor(embeddedLake);
  }

  @Test
  @Order(2)
  void aClusterRunsSilverAndGoldSubmittedThroughMvnExec() throws Exception {
    LocalFlinkCluster cluster =
        LocalFlinkCluster.start(MODULE.resolve("target/flink-mvn-exec-it-cluster"), work);
    try {
      String onCluster =
          " --runner=FlinkRunner --flinkMaster=" + cluster.master() + " --parallelism=2";

      ChildProcess silver =
          mvnExec(List.of(), "silver --lake=" + clusterLake + " " + SILVER_HOURS + onCluster);
      assertThat(silver.exit()).as(silver.tail()).isZero();
      ChildProcess gold =
          mvnExec(List.of(), "gold --lake=" + clusterLake + " " + GOLD_DATES + onCluster);
      assertThat(gold.exit()).as(gold.tail()).isZero();

      assertThat(cluster.finishedJobs()).as("both jobs ran on the cluster").isEqualTo(2);
    } finally {
      cluster.stop();
    }
    assertEveryRecordAccountedFor(clusterLake);
    for (String table : List.of("silver/events", "gold/events", "gold/event_stats")) {
      assertThat(differingRows(table)).as(table + ": embedded and cluster rows").isZero();
    }
  }

  @Test
  @Order(3)
  void aFailedRunExitsWithOneAndTheJarsOneLineError() throws Exception {
    assertThat(JAR).as("run after `package`: the bundled jar").exists();
    Path broken = work.resolve("broken");
    Path hour = Files.createDirectories(broken.resolve("bronze/events/2026/01/01/05"));
    Files.writeString(
        hour.resolve("events.jsonl"),
        "{\"event_uuid\":\"u1\",\"event_name\":\"lesson:started\",\"created_at\":1767243600}\n");
    String args = "silver --lake=" + broken + " --hour=2026-01-01T05";
    ChildProcess first =
        ChildProcess.run(
            command(ChildProcess.java("-jar", JAR.toString()), args + " --runner=DirectRunner"),
            Map.of(),
            ROOT,
            work,
            TIMEOUT);
    assertThat(first.exit()).as(first.tail()).isZero();
    // The hour's bronze goes missing: a run now reads nothing for an hour that holds a row, and
    // fails inside the pipeline (its commit step refuses to empty the hour).
    Files.delete(hour.resolve("events.jsonl"));

    ChildProcess viaJar =
        ChildProcess.run(
            command(ChildProcess.java("-jar", JAR.toString()), args + " --runner=FlinkRunner"),
            Map.of(),
            ROOT,
            work,
            TIMEOUT);
    ChildProcess viaMaven = mvnExec(List.of("-Pflink-runner"), args);

    assertThat(viaJar.exit()).as(viaJar.tail()).isEqualTo(1);
    assertThat(viaJar.lastLineStartingWith("lake silver: "))
        .isEqualTo(
            "lake silver: failed: silver_events dt=2026-01-01/hour=05 holds 1 rows and this run"
                + " read nothing for it (is its input there?); nothing was committed; pass"
                + " --allowEmpty to replace it with nothing");
    assertThat(viaMaven.exit()).as(viaMaven.tail()).isEqualTo(1);
    assertThat(viaMaven.lastLineStartingWith("lake silver: "))
        .isEqualTo(viaJar.lastLineStartingWith("lake silver: "));
    assertThat(viaMaven.output())
        .as("the flink-runner profile ran it on Flink: a Flink task logged the failure")
        .contains("BatchTask - Error in task code")
        .as("no Maven error report")
        .doesNotContain("[ERROR]", "BUILD FAILURE");
  }

  @Test
  @Order(4)
  void noCommandPrintsTheUsageAndExitsWithTwo() throws Exception {
    ChildProcess none = mvnExec(List.of(), null);

    assertThat(none.exit()).as(none.tail()).isEqualTo(2);
    assertThat(none.output()).contains("Usage: lake <command>", "silver", "gold");
  }

  /**
   * The README's command, {@code mvn -pl runners -am test-compile exec:java -Dexec.args=<args>},
   * with {@code mavenOptions} before the goals; no {@code -Dexec.args} when {@code args} is null.
   */
  private static ChildProcess mvnExec(List<String> mavenOptions, String args) throws Exception {
    List<String> mvn =
        new ArrayList<>(
            List.of(
                LocalFlinkCluster.mavenExecutable().toString(),
                "-B",
                "-q",
                "-nsu",
                "-Dstyle.color=never"));
    String repository = System.getProperty("maven.repo.local");
    if (repository != null && !repository.isBlank()) {
      mvn.add("-Dmaven.repo.local=" + repository);
    }
    mvn.addAll(mavenOptions);
    mvn.addAll(List.of("-pl", "runners", "-am", "test-compile", "exec:java"));
    if (args != null) {
      mvn.add("-Dexec.args=" + args);
    }
    return ChildProcess.run(mvn, ChildProcess.mavenEnv(), ROOT, work, TIMEOUT);
  }

  private static List<String> command(List<String> program, String args) {
    List<String> command = new ArrayList<>(program);
    command.addAll(List.of(args.split(" ")));
    return command;
  }

  /** Silver, quarantine and gold of {@code lake} against what the producer wrote. */
  private static void assertEveryRecordAccountedFor(Path lake) throws Exception {
    long written = DuckDb.count("SELECT count(*) FROM " + parquet(lake, "silver/events"));
    long quarantined =
        DuckDb.count(
            "SELECT count(*) FROM read_json_auto('"
                + lake
                + "/quarantine/events/**/*.jsonl', format = 'newline_delimited')");
    assertThat(written + quarantined)
        .as(lake + ": silver + quarantine")
        .isEqualTo(produced.records);
    assertThat(quarantined).isEqualTo(produced.malformedRecords);
    assertThat(
            DuckDb.count("SELECT count(DISTINCT event_uuid) FROM " + parquet(lake, "gold/events")))
        .isEqualTo(produced.validEvents);
    assertThat(DuckDb.count("SELECT count(*) FROM " + parquet(lake, "gold/events")))
        .as("one row per event and date")
        .isEqualTo(produced.validEvents);
    long duplicatesRemoved = 0;
    for (String date : List.of("2025-12-31", "2026-01-01")) {
      duplicatesRemoved +=
          new ObjectMapper()
              .readTree(lake.resolve("_reports/gold/events/date=" + date + ".json").toFile())
              .path("duplicates_removed")
              .asLong();
    }
    assertThat(duplicatesRemoved).isEqualTo(produced.duplicateRecords);
  }

  /** Rows of {@code table} in one lake and not the other, both ways (duplicates counted). */
  private static long differingRows(String table) throws Exception {
    String embedded = "SELECT * FROM " + parquet(embeddedLake, table);
    String cluster = "SELECT * FROM " + parquet(clusterLake, table);
    return DuckDb.count(
        "SELECT count(*) FROM (("
            + embedded
            + " EXCEPT ALL "
            + cluster
            + ") UNION ALL ("
            + cluster
            + " EXCEPT ALL "
            + embedded
            + "))");
  }

  private static String parquet(Path lake, String table) {
    return "read_parquet('" + lake + "/" + table + "/**/*.parquet', hive_partitioning = true)";
  }
}
