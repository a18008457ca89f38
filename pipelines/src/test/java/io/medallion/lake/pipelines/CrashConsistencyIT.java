package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.commit.LakeCommitter;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableHistory;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: a silver promotion killed with {@code kill -9} at any point of its commit step leaves
 * every reader seeing, for each arrival hour, exactly its old rows or exactly its new ones, never a
 * mix or a part of either; running the promotion again then gives every hour its new rows and a
 * report that reconciles.
 *
 * <p>Promotes four arrival hours across a midnight (the old rows), changes every hour's bronze (the
 * new rows), and runs the promotion again in a child JVM ({@code java -cp <this class path>
 * SilverEvents --from ... --to ...}, DirectRunner) with the test hook {@link
 * LakeCommitter#TEST_STOP_AT}: the child stops at the named point of its commit step and says so,
 * and this test kills it there ({@link Process#destroyForcibly}, SIGKILL). Then it reads each hour
 * with DuckDB over the current snapshot's files and with Iceberg's generic reader, checks which
 * run's snapshot, report and quarantine each hour has, reruns the promotion, and goes on to the
 * next kill point with bronze changed again. Kill points: before any commit (the pending marks
 * written), after the first hour's commit (the middle of the commit step), and after the last
 * hour's commit, before its report.
 *
 * <pre>{@code
 * mvn -B -pl pipelines -am verify -Dit.test=CrashConsistencyIT -Dtest=None \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 * }</pre>
 */
class CrashConsistencyIT {
  private static final Instant FIRST_HOUR = Instant.parse("2026-01-01T22:00:00Z");
  private static final List<Instant> HOURS =
      IntStream.range(0, 4).mapToObj(i -> FIRST_HOUR.plus(Duration.ofHours(i))).toList();
  private static final Duration LATENESS = Duration.ofHours(6);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;
  private Path lake;

  /**
   * Where the child is killed: the hook's point, and how many hours (in commit order, which is
   * arrival order) its run had committed there.
   */
  private record KillPoint(String stopAt, int committedHours) {}

  @Test
  void aPromotionKilledAnywhereInItsCommitLeavesEachHourAllOldOrAllNew() throws Exception {
    // Arrange: the old rows.
    lake = work.resolve("lake");
    writeBronze(1);
    String previousRun = "initial";
    SilverEventsTest.promote(lake, HOURS, LATENESS, previousRun);
    assertEveryHourHolds(1);

    List<KillPoint> points =
        List.of(
            new KillPoint("before-commits", 0),
            new KillPoint("committed:" + partition(0), 1),
            new KillPoint("committed:" + partition(HOURS.size() - 1), HOURS.size()));
    int generation = 1;
    for (KillPoint point : points) {
      generation++;
      writeBronze(generation);

      // Act: the promotion of the new bronze, killed at the point.
      killPromotionAt(point.stopAt());

      // Assert: hours the killed run committed hold all their new rows, the others all their old.
      Map<String, List<String>> expected = new TreeMap<>();
      for (int i = 0; i < HOURS.size(); i++) {
        expected.put(
            partition(i), validUuids(i < point.committedHours() ? generation : generation - 1, i));
      }
      assertRowsByHour(expected, "killed at " + point.stopAt());

      // Which run each hour's snapshot, report and quarantine come from: the killed run wrote the
      // reports of the hours it committed before the one it was killed after, none other.
      Map<String, String> holders = committingRuns();
      Set<String> killedRuns = new TreeSet<>();
      for (int i = 0; i < HOURS.size(); i++) {
        String hour = partition(i);
        if (i < point.committedHours()) {
          assertThat(holders.get(hour)).as(hour).isNotEqualTo(previousRun);
          killedRuns.add(holders.get(hour));
        } else {
          assertThat(holders.get(hour)).as(hour).isEqualTo(previousRun);
        }
      }
      assertThat(killedRuns)
          .as("runs that committed since the previous one")
          .hasSize(point.committedHours() > 0 ? 1 : 0);
      for (int i = 0; i < HOURS.size(); i++) {
        String hour = partition(i);
        String reportedBy = report(hour).path("run_id").asText();
        if (i < point.committedHours() - 1) {
          assertThat(reportedBy).as("report of " + hour).isEqualTo(holders.get(hour));
        } else {
          assertThat(reportedBy).as("report of " + hour).isEqualTo(previousRun);
        }
        assertThat(quarantineRuns(hour)).as("quarantine of " + hour).containsExactly(reportedBy);
      }

      // Act: run it again.
      String rerun = "rerun" + generation;
      SilverEventsTest.promote(lake, HOURS, LATENESS, rerun);

      // Assert: every hour holds its new rows, with a report of the rerun that reconciles.
      assertEveryHourHolds(generation);
      Map<String, String> afterRerun = committingRuns();
      Map<String, Long> snapshots = snapshotsOf(rerun);
      for (int i = 0; i < HOURS.size(); i++) {
        String hour = partition(i);
        JsonNode report = report(hour);
        long valid = validUuids(generation, i).size();
        assertThat(afterRerun.get(hour)).as(hour).isEqualTo(rerun);
        assertThat(report.path("run_id").asText()).as(hour).isEqualTo(rerun);
        assertThat(report.path("reconciled").asBoolean()).as(hour).isTrue();
        assertThat(report.path("read").asLong()).as(hour).isEqualTo(valid + 1);
        assertThat(report.path("written").asLong()).as(hour).isEqualTo(valid);
        assertThat(report.path("quarantined").asLong()).as(hour).isEqualTo(1);
        assertThat(report.path("quarantined_by_reason").path("invalid_json").asLong())
            .as(hour)
            .isEqualTo(1);
        assertThat(report.path("snapshots").path(LakeTable.SILVER_EVENTS.tableName()).asLong())
            .as(hour)
            .isEqualTo(snapshots.get(hour));
        assertThat(report.path(SilverEvents.BRONZE_FILES).fieldNames())
            .toIterable()
            .as(hour)
            .containsExactly(bronzeFile(generation));
        assertThat(quarantineRuns(hour)).as("quarantine of " + hour).containsExactly(rerun);
      }
      previousRun = rerun;
    }
  }

  /**
   * Runs {@code SilverEvents} over {@link #HOURS} in a child JVM that stops at {@code stopAt} in
   * its commit step, and kills it with SIGKILL there.
   */
  private void killPromotionAt(String stopAt) throws IOException, InterruptedException {
    KilledPromotion.at(
        work,
        SilverEvents.class,
        stopAt,
        List.of(
            "--lake=" + lake,
            "--from=" + HOURS.get(0),
            "--to=" + HOURS.get(HOURS.size() - 1),
            "--runner=DirectRunner"));
  }

  /**
   * Replaces each hour's bronze with generation {@code generation}: its valid events and one
   * truncated record.
   */
  private void writeBronze(int generation) throws IOException {
    for (int i = 0; i < HOURS.size(); i++) {
      Path dir = BronzeFixtures.hourDir(lake, HOURS.get(i));
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.toList()) {
            Files.delete(file);
          }
        }
      }
      long hourStart = HOURS.get(i).getEpochSecond();
      List<String> lines = new ArrayList<>();
      List<String> uuids = validUuids(generation, i);
      for (int k = 0; k < uuids.size(); k++) {
        lines.add(
            String.format(
                "{\"event_uuid\":\"%s\",\"event_name\":\"lesson:started\",\"created_at\":%d}",
                uuids.get(k), hourStart + 60L * k + generation));
      }
      lines.add("{\"event_uuid\":\"g" + generation + "-h" + i + "-bad\",\"event_name\":");
      BronzeFixtures.write(lake, HOURS.get(i), bronzeFile(generation), lines, "\n");
    }
  }

  private static String bronzeFile(int generation) {
    return "part-g" + generation + ".jsonl";
  }

  /** The event_uuids of hour {@code hour}'s valid events in generation {@code generation}. */
  private static List<String> validUuids(int generation, int hour) {
    return IntStream.range(0, 2 + generation + hour)
        .mapToObj(k -> String.format("g%d-h%d-e%02d", generation, hour, k))
        .toList();
  }

  private static String partition(int hour) {
    return Dataset.SILVER_EVENTS.hourUnit(HOURS.get(hour)).name();
  }

  private void assertEveryHourHolds(int generation) {
    Map<String, List<String>> expected = new TreeMap<>();
    for (int i = 0; i < HOURS.size(); i++) {
      expected.put(partition(i), validUuids(generation, i));
    }
    assertRowsByHour(expected, "generation " + generation);
  }

  /**
   * Asserts that both readers see exactly {@code expected} (hour → its sorted event_uuids) in the
   * current snapshot, and agree on every column of every row.
   */
  private void assertRowsByHour(Map<String, List<String>> expected, String when) {
    LakeTables.assertReadersAgree(lake, LakeTable.SILVER_EVENTS);

    Map<String, List<String>> duckDb = new TreeMap<>();
    for (Map<String, Object> row :
        DuckDb.query(
            "SELECT CAST(dt AS VARCHAR) AS dt, hour, event_uuid FROM "
                + LakeTables.duckDb(lake, LakeTable.SILVER_EVENTS)
                + " ORDER BY event_uuid")) {
      duckDb
          .computeIfAbsent(
              hourKey(row.get("dt").toString(), ((Number) row.get("hour")).intValue()),
              h -> new ArrayList<>())
          .add((String) row.get("event_uuid"));
    }
    Map<String, List<String>> iceberg = new TreeMap<>();
    for (Record row : LakeTables.generics(LakeTables.catalog(lake), LakeTable.SILVER_EVENTS)) {
      iceberg
          .computeIfAbsent(
              hourKey(row.getField("dt").toString(), (Integer) row.getField("hour")),
              h -> new ArrayList<>())
          .add((String) row.getField("event_uuid"));
    }
    iceberg.values().forEach(uuids -> uuids.sort(null));

    assertThat(duckDb).as("rows by hour through DuckDB, " + when).isEqualTo(expected);
    assertThat(iceberg).as("rows by hour through IcebergGenerics, " + when).isEqualTo(expected);
  }

  private static String hourKey(String dt, int hour) {
    return String.format("dt=%s/hour=%02d", dt, hour);
  }

  /** Hour → the run id of the latest snapshot of the current history that committed it. */
  private Map<String, String> committingRuns() throws IOException {
    Map<String, String> runs = new TreeMap<>();
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      Table table = catalog.table(LakeTable.SILVER_EVENTS);
      for (Snapshot snapshot : SnapshotUtil.currentAncestors(table)) {
        Map<String, String> summary = snapshot.summary();
        if (summary.containsKey(TableHistory.UNIT)) {
          runs.putIfAbsent(summary.get(TableHistory.UNIT), summary.get(TableHistory.RUN_ID));
        }
      }
    }
    return runs;
  }

  /** Hour → the snapshot with which {@code runId} committed it. */
  private Map<String, Long> snapshotsOf(String runId) throws IOException {
    Map<String, Long> snapshots = new TreeMap<>();
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      Table table = catalog.table(LakeTable.SILVER_EVENTS);
      for (int i = 0; i < HOURS.size(); i++) {
        String hour = partition(i);
        LakeCommitter.committedBy(table, runId, hour, null)
            .ifPresent(id -> snapshots.put(hour, id));
      }
    }
    return snapshots;
  }

  private JsonNode report(String hour) throws IOException {
    return JSON.readTree(lake.resolve("_reports/silver/events/" + hour + ".json").toFile());
  }

  /** The run ids in the names of an hour's quarantine files ({@code part-<run>-00000-of-...}). */
  private Set<String> quarantineRuns(String hour) throws IOException {
    Set<String> runs = new TreeSet<>();
    try (Stream<Path> files = Files.list(lake.resolve("quarantine/events/" + hour))) {
      files
          .map(f -> f.getFileName().toString())
          .forEach(name -> runs.add(name.replaceAll("^part-(.+)-\\d{5}-of-\\d{5}\\.jsonl$", "$1")));
    }
    return runs;
  }
}
