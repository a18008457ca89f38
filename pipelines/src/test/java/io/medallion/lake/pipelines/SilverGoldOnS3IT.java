package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.tables.CatalogSettings;
import io.medallion.lake.tables.LakeTable;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The batch layers over an S3 lake on the S3 emulator, with the local Iceberg catalog (a SQLite
 * file given as {@code --catalogUri}, Iceberg's S3FileIO on the emulator): the producer writes
 * bronze, silver promotes two hours and gold one day through Beam's {@code s3://} filesystem, and
 * each table's current snapshot is read back two ways: DuckDB over a local copy of exactly the
 * snapshot's files, and Iceberg's own reader over S3; they must agree.
 */
class SilverGoldOnS3IT {
  private static final String LAKE = "s3://lake/it-batch";

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

  @Test
  void silverAndGoldWriteReadableParquetOnS3() throws Exception {
    EventGenerator.Summary produced =
        ProduceEvents.run(
            options(
                ProduceEvents.Options.class,
                "--events=3000",
                "--hours=2",
                "--start=2026-01-01T00",
                "--filesPerHour=4"));
    assertThat(
            SilverEvents.run(
                    options(
                        SilverEvents.Options.class, "--from=2026-01-01T00", "--to=2026-01-01T01"))
                .waitUntilFinish())
        .isEqualTo(PipelineResult.State.DONE);
    assertThat(
            GoldEvents.run(options(GoldEvents.Options.class, "--date=2026-01-01"))
                .waitUntilFinish())
        .isEqualTo(PipelineResult.State.DONE);

    try (S3Client s3 = aws.s3()) {
      for (S3Object object : LocalAws.list(s3, "it-batch/")) {
        Path local = copy.resolve(object.key());
        Files.createDirectories(local.getParent());
        Files.write(local, LocalAws.get(s3, object.key()));
      }
    }
    Path lake = copy.resolve("it-batch");
    assertThat(lake.resolve("_tmp")).doesNotExist();
    assertThat(lake.resolve("_reports/silver/events/dt=2026-01-01/hour=00.json")).exists();
    assertThat(lake.resolve("_reports/gold/events/date=2026-01-01.json")).exists();

    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = db.createStatement()) {
      long silverRows = single(sql, "SELECT count(*) FROM " + table(lake, LakeTable.SILVER_EVENTS));
      assertThat(silverRows).isEqualTo(produced.records - produced.malformedRecords);
      try (ResultSet r =
          sql.executeQuery(
              "SELECT count(*), count(DISTINCT event_uuid), min(date), max(date) FROM "
                  + table(lake, LakeTable.GOLD_EVENTS))) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(produced.validEvents);
        assertThat(r.getLong(2)).isEqualTo(produced.validEvents);
        assertThat(List.of(r.getString(3), r.getString(4)))
            .containsExactly("2026-01-01", "2026-01-01");
      }
      long statsEvents =
          single(
              sql, "SELECT sum(distinct_events) FROM " + table(lake, LakeTable.GOLD_EVENT_STATS));
      assertThat(statsEvents).isEqualTo(produced.validEvents);
    }
    for (LakeTable table :
        List.of(LakeTable.SILVER_EVENTS, LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS)) {
      assertThat(LakeTables.assertReadersAgree(catalog(), table, local(lake)))
          .as(table.tableName())
          .isPositive();
    }
  }

  private static CatalogSettings catalog() {
    return CatalogSettings.local(
        LakeLayout.at(LAKE),
        Optional.of(catalogUri()),
        CatalogSettings.DEFAULT_NAMESPACE,
        CatalogSettings.s3Emulator(
            aws.s3Endpoint, LocalAws.ACCESS_KEY, LocalAws.SECRET_KEY, "us-east-1"));
  }

  private static String catalogUri() {
    return "jdbc:sqlite:" + state.resolve("catalog.db");
  }

  /** An {@code s3://lake/it-batch/...} file of the lake, in the local copy under {@code copy}. */
  private static UnaryOperator<String> local(Path copy) {
    return path -> copy + path.substring(LAKE.length());
  }

  /** DuckDB over the local copies of the files of the table's current snapshot. */
  private static String table(Path copy, LakeTable table) {
    return LakeTables.duckDb(catalog(), table, local(copy));
  }

  private static long single(Statement sql, String query) throws Exception {
    try (ResultSet r = sql.executeQuery(query)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static <T extends LakeOptions> T options(Class<T> type, String... extra) {
    List<String> args = aws.args(LAKE);
    args.removeIf(a -> a.startsWith("--kinesisEndpoint") || a.startsWith("--stream"));
    args.add("--catalogUri=" + catalogUri());
    args.addAll(List.of(extra));
    return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(type);
  }
}
