package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24 for the file drop: a promotion of a dropped file killed with {@code kill -9} at any step
 * of its commit leaves the file's rows all old or all new, and the next run over the landing folder
 * (what the scheduled job and the watch do) promotes it again, reports it and leaves no mark.
 */
class FileDropCrashConsistencyIT {
  private static final String FILE = "travel_times_paris.csv";

  @TempDir Path work;
  private Path lake;

  @Test
  void aFilePromotionKilledAtAnyStepLeavesItsRowsAllOldOrAllNewAndTheNextRunRepairsIt()
      throws Exception {
    lake = work.resolve("lake");
    LakeLayout layout = LakeLayout.at(lake.toString());
    Path landing = lake.resolve(UberMovements.DATASET.landing().orElseThrow());
    Path file = UberSamples.drop(FILE, landing);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    promote(landing, "initial");
    assertThat(rows()).isEqualTo(lines.size() - 1);

    String unit = UberMovements.DATASET.fileUnit(FILE).name();
    String table = LakeTable.SILVER_UBER_MOVEMENTS.tableName();
    List<String> points =
        List.of(
            "before-commits",
            "committed:" + table + ":" + unit,
            "committed:" + unit,
            "quarantined:" + unit,
            "reported:" + unit);
    long previous = lines.size() - 1;
    int version = 0;
    for (String point : points) {
      version++;
      // A new version of the file: fewer rows each time.
      long keep = 100 - version * 10;
      List<String> kept = new ArrayList<>(lines.subList(0, (int) keep + 1));
      Files.write(file, kept, StandardCharsets.UTF_8);

      killPromotionAt(landing, point);

      long now = rows();
      assertThat(now).as("rows of the file after a kill at " + point).isIn(previous, keep);
      assertThat(now)
          .as("the rows are new once the table is committed, at " + point)
          .isEqualTo(point.equals("before-commits") ? previous : keep);
      assertThat(PendingPromotions.markersOf(layout, UberMovements.DATASET, unit))
          .as("the killed run's in-flight mark")
          .anyMatch(PendingPromotions::isInFlight);

      String rerun = "rerun-" + version;
      promote(landing, rerun);

      assertThat(rows()).isEqualTo(keep);
      JsonNode report = Reports.read(layout, UberMovements.DATASET, unit).orElseThrow();
      assertThat(report.path("run_id").asText()).isEqualTo(rerun);
      assertThat(report.path("written").asLong()).isEqualTo(keep);
      assertThat(PendingPromotions.markersOf(layout, UberMovements.DATASET, unit))
          .as("the rerun cleared the dead run's mark")
          .isEmpty();
      previous = keep;
    }
  }

  private long rows() {
    return DuckDb.count("SELECT count(*) FROM " + UberSamples.silver(lake));
  }

  private void promote(Path landing, String runId) {
    UberMovements.Config config =
        new UberMovements.Config(
            LakeLayout.at(lake.toString()),
            LakeTables.catalog(lake),
            landing.resolve("*.csv").toString(),
            null,
            false,
            Duration.ofSeconds(30),
            null,
            runId,
            false);
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    UberMovements.build(p.apply("MatchFiles", UberMovements.matchFiles(config)), config);
    p.run().waitUntilFinish();
  }

  private void killPromotionAt(Path landing, String stopAt)
      throws IOException, InterruptedException {
    KilledPromotion.at(
        work,
        UberMovements.class,
        stopAt,
        List.of("--lake=" + lake, "--input=" + landing.resolve("*.csv"), "--runner=DirectRunner"));
  }
}
