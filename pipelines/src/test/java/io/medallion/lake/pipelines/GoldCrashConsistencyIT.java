package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.commit.LakeCommitter;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.AsOf;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.PairedSnapshots;
import io.medallion.lake.table.SnapshotViews;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24, part 1: a gold date is several commits (gold_events, its typed tables, then
 * gold_event_stats), and a gold run killed with {@code kill -9} at any step of its commit leaves
 * readers ({@code lake query}'s views, {@link AsOf} over {@link SnapshotViews}) seeing the date all
 * old or all new in every table, never new events beside old stats or an old typed table; the date
 * stays pending, and the scheduled {@code gold --pending} repairs it with no manual command.
 *
 * <p>Each round changes the date's bronze (a new generation of events), promotes silver (which
 * marks the date), runs {@code GoldEvents --pending} in a child JVM that stops at the named point
 * of its commit ({@link LakeCommitter#TEST_STOP_AT}), kills it there with SIGKILL, checks the
 * readers, then runs the promotion {@code --pending} asks for.
 *
 * <pre>{@code
 * mvn -B -pl pipelines -am verify -Dit.test=GoldCrashConsistencyIT -Dtest=None \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 * }</pre>
 */
class GoldCrashConsistencyIT {
  private static final LocalDate DATE = LocalDate.parse("2026-02-03");
  private static final String UNIT = "date=" + DATE;
  private static final List<Instant> HOURS =
      List.of(Instant.parse("2026-02-03T10:00:00Z"), Instant.parse("2026-02-03T11:00:00Z"));

  @TempDir Path work;
  private Path lake;

  /** A step of the commit, and whether the date's stats are committed when it is reached. */
  private record KillPoint(String stopAt, boolean statsCommitted) {}

  @Test
  void aGoldRunKilledAtAnyStepLeavesTheDateAllOldOrAllNewAndPendingRepairsIt() throws Exception {
    lake = work.resolve("lake");
    LakeLayout layout = LakeLayout.at(lake.toString());
    writeBronze(1);
    silver("silver-1");
    gold(List.of(DATE), "gold-1");
    assertDateHolds(1, "after the first promotion");
    assertThat(GoldEvents.pendingDates(layout, null, null)).isEmpty();

    List<KillPoint> points =
        List.of(
            new KillPoint("before-commits", false),
            new KillPoint("committed:" + LakeTable.GOLD_EVENTS.tableName() + ":" + UNIT, false),
            new KillPoint("committed:" + TYPED.tableName() + ":" + UNIT, false),
            new KillPoint("committed:" + UNIT, true),
            new KillPoint("quarantined:" + UNIT, true),
            new KillPoint("reported:" + UNIT, true));
    int generation = 1;
    for (KillPoint point : points) {
      generation++;
      writeBronze(generation);
      silver("silver-" + generation);
      assertThat(GoldEvents.pendingDates(layout, null, null))
          .as("silver marked the date it changed")
          .containsExactly(DATE);

      killGoldAt(point.stopAt());

      int expected = point.statsCommitted() ? generation : generation - 1;
      assertDateHolds(expected, "gold killed at " + point.stopAt());
      assertThat(GoldEvents.pendingDates(layout, null, null))
          .as("still pending after a kill at " + point.stopAt())
          .containsExactly(DATE);
      assertThat(
              PendingPromotions.markersOf(layout, Dataset.GOLD_EVENTS, UNIT).stream()
                  .anyMatch(PendingPromotions::isInFlight))
          .as("the killed run's in-flight mark, written before its first commit")
          .isTrue();

      // The scheduled repair: what gold --pending promotes.
      gold(GoldEvents.pendingDates(layout, null, null), "gold-repair-" + generation);

      assertDateHolds(generation, "after gold --pending, killed at " + point.stopAt());
      assertThat(GoldEvents.pendingDates(layout, null, null)).isEmpty();
      assertThat(PendingPromotions.list(layout, Dataset.GOLD_EVENTS)).doesNotContainKey(UNIT);
      try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
        assertThat(PairedSnapshots.unpaired(tables(catalog))).isEmpty();
      }
    }
  }

  /** The typed table of the events (all lesson:started). */
  private static final LakeTable TYPED = TableFamily.TYPED_EVENTS.member("gold_evt_lesson_started");

  /**
   * Asserts that a reader of the current snapshots sees the date's gold_events rows, its typed
   * table's rows and its gold_event_stats of one generation: its events, and stats that count
   * exactly them.
   */
  private void assertDateHolds(int generation, String when) throws Exception {
    List<String> uuids = uuids(generation);
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake));
        Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
      try (Statement s = db.createStatement()) {
        s.execute("SET TimeZone = 'UTC'");
      }
      Map<LakeTable, Table> tables = tables(catalog);
      Map<LakeTable, Optional<Long>> snapshots = AsOf.current().resolve(tables);
      for (LakeTable table : List.of(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS, TYPED)) {
        SnapshotViews.create(
            db,
            table,
            Optional.ofNullable(tables.get(table)),
            snapshots.getOrDefault(table, Optional.empty()));
      }
      assertThat(
              strings(
                  db,
                  "SELECT event_uuid FROM gold_events WHERE date = DATE '" + DATE + "' ORDER BY 1"))
          .as("gold_events of the date, " + when)
          .isEqualTo(uuids);
      assertThat(
              strings(
                  db,
                  "SELECT event_uuid FROM "
                      + TYPED.tableName()
                      + " WHERE date = DATE '"
                      + DATE
                      + "' ORDER BY 1"))
          .as(TYPED + " of the date, " + when)
          .isEqualTo(uuids);
      assertThat(
              strings(
                  db,
                  "SELECT CAST(sum(distinct_events) AS VARCHAR) FROM gold_event_stats"
                      + " WHERE date = DATE '"
                      + DATE
                      + "'"))
          .as("gold_event_stats of the date, " + when)
          .containsExactly(String.valueOf(uuids.size()));
    }
  }

  private static Map<LakeTable, Table> tables(LakeCatalog catalog) {
    Map<LakeTable, Table> tables = new LinkedHashMap<>();
    for (LakeTable table : catalog.tables()) {
      catalog.existing(table).ifPresent(t -> tables.put(table, t));
    }
    return tables;
  }

  private static List<String> strings(Connection db, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        values.add(r.getString(1));
      }
    }
    return values;
  }

  /** Runs {@code GoldEvents --pending} in a child JVM stopped at {@code stopAt}, then kills it. */
  private void killGoldAt(String stopAt) throws IOException, InterruptedException {
    KilledPromotion.at(
        work,
        GoldEvents.class,
        stopAt,
        List.of("--lake=" + lake, "--pending", "--runner=DirectRunner"));
  }

  private void silver(String runId) {
    TestPipeline p = TestPipelines.create();
    SilverEvents.Config config =
        new SilverEvents.Config(
            LakeLayout.at(lake.toString()),
            LakeTables.catalog(lake),
            HOURS,
            Duration.ofHours(6),
            1,
            runId,
            DeduplicateEvents.DEFAULT_HORIZON,
            false);
    SilverEvents.build(p, config);
    TestPipelines.run(p);
  }

  private void gold(List<LocalDate> dates, String runId) {
    GoldEventsTest.promote(lake, dates, 2, runId);
  }

  /**
   * Replaces the hours' bronze with generation {@code generation}'s events, all on {@link #DATE}.
   */
  private void writeBronze(int generation) throws IOException {
    List<String> uuids = uuids(generation);
    for (int h = 0; h < HOURS.size(); h++) {
      Path dir = BronzeFixtures.hourDir(lake, HOURS.get(h));
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.toList()) {
            Files.delete(file);
          }
        }
      }
      List<String> lines = new ArrayList<>();
      for (int k = h; k < uuids.size(); k += HOURS.size()) {
        lines.add(
            String.format(
                "{\"event_uuid\":\"%s\",\"event_name\":\"lesson:started\",\"created_at\":%d}",
                uuids.get(k), HOURS.get(h).getEpochSecond() + 60L * k));
      }
      BronzeFixtures.write(lake, HOURS.get(h), "part-g" + generation + ".jsonl", lines, "\n");
    }
  }

  /** Generation {@code generation}'s events, sorted: one more each generation. */
  private static List<String> uuids(int generation) {
    return IntStream.range(0, 3 + generation)
        .mapToObj(k -> String.format("g%d-e%02d", generation, k))
        .toList();
  }
}
