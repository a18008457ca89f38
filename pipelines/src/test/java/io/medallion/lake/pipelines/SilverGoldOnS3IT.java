package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.producer.EventGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The batch layers over an S3 lake on the S3 emulator: the producer writes bronze, silver promotes
 * two hours and gold one day through Beam's {@code s3://} filesystem (multipart uploads, renames as
 * copy and delete, globs with a {@code *} inside the path), and DuckDB reads the Parquet back from
 * a copy of the objects.
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
      long silverRows =
          single(
              sql,
              "SELECT count(*) FROM read_parquet('"
                  + lake
                  + "/silver/events/*/*/*.parquet', hive_partitioning = true)");
      assertThat(silverRows).isEqualTo(produced.records - produced.malformedRecords);
      try (ResultSet r =
          sql.executeQuery(
              "SELECT count(*), count(DISTINCT event_uuid), min(date), max(date) FROM read_parquet('"
                  + lake
                  + "/gold/events/*/*/*.parquet', hive_partitioning = true)")) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(produced.validEvents);
        assertThat(r.getLong(2)).isEqualTo(produced.validEvents);
        assertThat(List.of(r.getString(3), r.getString(4)))
            .containsExactly("2026-01-01", "2026-01-01");
      }
      long statsEvents =
          single(
              sql,
              "SELECT sum(distinct_events) FROM read_parquet('"
                  + lake
                  + "/gold/event_stats/*/*.parquet')");
      assertThat(statsEvents).isEqualTo(produced.validEvents);
    }
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
    args.addAll(List.of(extra));
    return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(type);
  }
}
