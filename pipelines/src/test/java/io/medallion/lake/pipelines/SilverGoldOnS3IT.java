package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.LakeTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The batch layers over an S3 lake on the S3 emulator, with the local Iceberg catalog (a SQLite
 * file given as {@code --catalogUri}, Iceberg's S3FileIO on the emulator): the producer writes
 * bronze, silver promotes two hours and gold one day through Beam's {@code s3://} filesystem, and
 * each table's current snapshot is read back two ways: DuckDB over a local copy of exactly the
 * snapshot's files, and Iceberg's own reader over S3; they must agree. Once on the DirectRunner and
 * once on embedded Flink, each into a lake (and catalog) of its own.
 */
class SilverGoldOnS3IT {
  private static final String BUCKET = "s3://lake/";

  @TempDir static Path state;
  @TempDir Path copy;
  private static LocalAws aws;

  @BeforeAll
  static void startEmulators() throws Exception {
    aws = LocalAws.start(state);
  }

  @AfterAll
  static void stopEmulators() throws Exception {
    if (aws != null) {
      aws.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"DirectRunner", "FlinkRunner"})
  void silverAndGoldWriteReadableParquetOnS3(String runner) throws Exception {
    String prefix = "it-batch-" + runner.toLowerCase(java.util.Locale.ROOT);
    String lakeRoot = BUCKET + prefix;
    EventGenerator.Summary produced =
        ProduceEvents.run(
            options(
                lakeRoot,
                "DirectRunner",
                ProduceEvents.Options.class,
                "--events=3000",
                "--hours=2",
                "--start=2026-01-01T00",
                "--filesPerHour=4"));
    assertThat(
            SilverEvents.run(
                    options(
                        lakeRoot,
                        runner,
                        SilverEvents.Options.class,
                        "--from=2026-01-01T00",
                        "--to=2026-01-01T01"))
                .waitUntilFinish())
        .isEqualTo(PipelineResult.State.DONE);
    assertThat(
            GoldEvents.run(options(lakeRoot, runner, GoldEvents.Options.class, "--date=2026-01-01"))
                .waitUntilFinish())
        .isEqualTo(PipelineResult.State.DONE);

    try (S3Client s3 = aws.s3()) {
      for (S3Object object : LocalAws.list(s3, prefix + "/")) {
        Path local = copy.resolve(object.key());
        Files.createDirectories(local.getParent());
        Files.write(local, LocalAws.get(s3, object.key()));
      }
    }
    Path lake = copy.resolve(prefix);
    assertThat(lake.resolve("_tmp")).doesNotExist();
    assertThat(lake.resolve("_reports/silver/events/dt=2026-01-01/hour=00.json")).exists();
    assertThat(lake.resolve("_reports/gold/events/date=2026-01-01.json")).exists();

    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement()) {
      long silverRows =
          single(sql, "SELECT count(*) FROM " + table(lakeRoot, lake, LakeTable.SILVER_EVENTS));
      assertThat(silverRows).isEqualTo(produced.records - produced.malformedRecords);
      try (ResultSet r =
          sql.executeQuery(
              "SELECT count(*), count(DISTINCT event_uuid), min(date), max(date) FROM "
                  + table(lakeRoot, lake, LakeTable.GOLD_EVENTS))) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(produced.validEvents);
        assertThat(r.getLong(2)).isEqualTo(produced.validEvents);
        assertThat(List.of(r.getString(3), r.getString(4)))
            .containsExactly("2026-01-01", "2026-01-01");
      }
      long statsEvents =
          single(
              sql,
              "SELECT sum(distinct_events) FROM "
                  + table(lakeRoot, lake, LakeTable.GOLD_EVENT_STATS));
      assertThat(statsEvents).isEqualTo(produced.validEvents);
    }
    for (LakeTable table :
        List.of(LakeTable.SILVER_EVENTS, LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS)) {
      assertThat(LakeTables.assertReadersAgree(catalog(lakeRoot), table, local(lakeRoot, lake)))
          .as(runner + " " + table.tableName())
          .isPositive();
    }
  }

  private static CatalogSettings catalog(String lakeRoot) {
    return CatalogSettings.local(
        LakeLayout.at(lakeRoot),
        Optional.of(catalogUri(lakeRoot)),
        CatalogSettings.DEFAULT_NAMESPACE,
        CatalogSettings.s3Emulator(
            aws.s3Endpoint, LocalAws.ACCESS_KEY, LocalAws.SECRET_KEY, "us-east-1"));
  }

  private static String catalogUri(String lakeRoot) {
    return "jdbc:sqlite:"
        + state.resolve(lakeRoot.substring(lakeRoot.lastIndexOf('/') + 1) + "-catalog.db");
  }

  /** An {@code s3://lake/it-batch/...} file of the lake, in the local copy under {@code copy}. */
  private static UnaryOperator<String> local(String lakeRoot, Path copy) {
    return path -> copy + path.substring(lakeRoot.length());
  }

  /** DuckDB over the local copies of the files of the table's current snapshot. */
  private static String table(String lakeRoot, Path copy, LakeTable table) {
    return LakeTables.duckDb(catalog(lakeRoot), table, local(lakeRoot, copy));
  }

  private static long single(Statement sql, String query) throws Exception {
    try (ResultSet r = sql.executeQuery(query)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static <T extends LakeOptions> T options(
      String lakeRoot, String runner, Class<T> type, String... extra) {
    List<String> args = aws.args(lakeRoot);
    args.removeIf(a -> a.startsWith("--kinesisEndpoint") || a.startsWith("--stream"));
    args.add("--catalogUri=" + catalogUri(lakeRoot));
    if (runner.equals("FlinkRunner")) {
      // The launcher's Flink defaults, at this machine's size, on 127.0.0.1 only.
      args.addAll(EmbeddedFlink.batchArgs(2));
    } else {
      args.add("--runner=" + runner);
    }
    args.addAll(List.of(extra));
    return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(type);
  }
}
