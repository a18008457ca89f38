package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.EmbeddedFlink;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch mode on the DirectRunner: files dropped while it runs are promoted once each; after a
 * restart, a file seen before is skipped and a file replaced with new content is promoted again.
 * Each run stops itself once no file has come for 15 seconds ({@code stopWhenIdleFor}). Then the
 * same on embedded Flink.
 */
class UberMovementsWatchTest {
  private static final String BENGALURU = "Travel_Times - Bengaluru.csv";
  private static final String PARIS = "travel_times_paris.csv";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path lake;

  private Path landing() {
    return lake.resolve(UberMovements.DATASET.landing().orElseThrow());
  }

  private PipelineResult startWatching() {
    UberMovements.Config config =
        new UberMovements.Config(
            LakeLayout.at(lake.toString()),
            LakeTables.catalog(lake),
            landing().resolve("*.csv").toString(),
            null,
            true,
            Duration.ofMillis(500),
            Duration.ofSeconds(15),
            "watch-" + System.nanoTime(),
            false);
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    p.getOptions().as(DirectOptions.class).setBlockOnRun(false);
    UberMovements.build(p.apply("MatchFiles", UberMovements.matchFiles(config)), config);
    return p.run();
  }

  private Optional<JsonNode> report(String fileName) throws Exception {
    return Reports.read(
        LakeLayout.at(lake.toString()),
        UberMovements.DATASET,
        UberMovements.DATASET.fileUnit(fileName).name());
  }

  private JsonNode awaitReport(String fileName, String notRunId) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<JsonNode> r = report(fileName);
      if (r.isPresent() && !r.get().path("run_id").asText().equals(notRunId)) {
        return r.get();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no new report for " + fileName + " within " + WAIT);
  }

  private long rows(String city) throws Exception {
    return ((Number)
            DuckDb.rows(
                    "select count(*) from "
                        + UberSamples.silver(lake)
                        + " where city = '"
                        + city
                        + "'")
                .get(0)
                .get(0))
        .longValue();
  }

  @Test
  void promotesEachDroppedFileOnceAndAgainWhenItChanges() throws Exception {
    // A file is there when the watch starts; another lands while it runs.
    UberSamples.drop(BENGALURU, landing());
    PipelineResult first = startWatching();
    JsonNode bengaluru = awaitReport(BENGALURU, null);
    UberSamples.drop(PARIS, landing());
    JsonNode paris = awaitReport(PARIS, null);
    first.waitUntilFinish(org.joda.time.Duration.millis(WAIT.toMillis()));

    assertThat(first.getState()).isEqualTo(PipelineResult.State.DONE);
    assertThat(report(BENGALURU).orElseThrow()).as("promoted once").isEqualTo(bengaluru);
    assertThat(paris.path("written").asLong()).isEqualTo(2227);
    assertThat(rows("bengaluru")).isEqualTo(198);
    assertThat(rows("paris")).isEqualTo(2227);

    // Restart: Paris is unchanged and skipped; Bengaluru is replaced by its first 10 rows.
    Path bengaluruFile = landing().resolve(BENGALURU);
    List<String> lines = Files.readAllLines(bengaluruFile, StandardCharsets.UTF_8);
    Files.write(bengaluruFile, lines.subList(0, 11), StandardCharsets.UTF_8);
    PipelineResult second = startWatching();
    JsonNode replaced = awaitReport(BENGALURU, bengaluru.path("run_id").asText());
    second.waitUntilFinish(org.joda.time.Duration.millis(WAIT.toMillis()));

    assertThat(second.getState()).isEqualTo(PipelineResult.State.DONE);
    assertThat(replaced.path("written").asLong()).isEqualTo(10);
    assertThat(rows("bengaluru")).as("the new version's rows replace the old").isEqualTo(10);
    assertThat(report(PARIS).orElseThrow()).as("not promoted twice").isEqualTo(paris);
    assertThat(rows("paris")).isEqualTo(2227);
  }

  /**
   * The same on embedded Flink, which encodes each polled file between steps: each file is promoted
   * once and its report records its last-modified time (Beam's default coder for a match result
   * left it out, and every file read as modified at the epoch).
   */
  @Test
  void onFlinkEachDroppedFileIsPromotedOnceWithItsLastModifiedTime() throws Exception {
    UberSamples.drop(BENGALURU, landing());
    List<String> args = new ArrayList<>(EmbeddedFlink.batchArgs(2));
    args.addAll(
        List.of(
            "--lake=" + lake, "--watch=true", "--pollInterval=PT0.5S", "--stopWhenIdleFor=PT15S"));
    UberMovements.Options options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
            .as(UberMovements.Options.class);
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      // An attached Flink job's run() returns when the job ends.
      Future<PipelineResult.State> watching =
          runner.submit(() -> UberMovements.run(options).waitUntilFinish());
      JsonNode bengaluru = awaitReport(BENGALURU, null);
      UberSamples.drop(PARIS, landing());
      JsonNode paris = awaitReport(PARIS, null);

      assertThat(watching.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo(PipelineResult.State.DONE);
      assertThat(report(BENGALURU).orElseThrow()).as("promoted once").isEqualTo(bengaluru);
      assertThat(report(PARIS).orElseThrow()).as("promoted once").isEqualTo(paris);
      for (String name : List.of(BENGALURU, PARIS)) {
        assertThat(report(name).orElseThrow().path("source_last_modified").asText())
            .as(name)
            .isEqualTo(UberSamples.lastModified(landing().resolve(name)));
      }
      assertThat(rows("bengaluru")).isEqualTo(198);
      assertThat(rows("paris")).isEqualTo(2227);
    } finally {
      runner.shutdownNow();
    }
  }
}
