package io.medallion.lake.runners;

import static io.medallion.lake.testing.IcebergFixtures.promotion;
import static io.medallion.lake.testing.IcebergFixtures.replacePartitions;
import static io.medallion.lake.testing.IcebergFixtures.row;
import static io.medallion.lake.testing.IcebergFixtures.silverEvent;

import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.table.TableHistory;
import io.medallion.lake.testing.IcebergFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * A small lake of Iceberg tables built without the pipelines: silver {@code events} promoted three
 * times (hour 03 twice, hour 04 once), then one promotion each of gold {@code events}, the typed
 * table {@code gold_evt_lesson_ended} (a bigint, a struct and a list column), gold {@code
 * event_stats} (naming the typed table's snapshot, as the commit engine does) and silver {@code
 * uber_movements}.
 *
 * @param hour3First the first promotion of hour 03: events a, b, c
 * @param hour4 the promotion of hour 04: event f
 * @param hour3Second the second promotion of hour 03, replacing the first: events d, e
 * @param typed the promotion of the typed table: events d, e
 */
record FixtureLake(
    Path root, Snapshot hour3First, Snapshot hour4, Snapshot hour3Second, Snapshot typed) {
  static final LocalDate DAY = LocalDate.parse("2026-01-02");

  /** The typed table of the fixture's lesson:ended events. */
  static final LakeTable TYPED = TableFamily.TYPED_EVENTS.member("gold_evt_lesson_ended");

  static FixtureLake build(Path root) throws IOException, InterruptedException {
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(root)) {
      return build(catalog, root);
    }
  }

  /** The same tables in {@code catalog} (a lake on S3, say); {@code root} is only recorded. */
  static FixtureLake build(LakeCatalog catalog, Path root) throws InterruptedException {
    Table silver = catalog.table(LakeTable.SILVER_EVENTS);
    Snapshot first =
        replacePartitions(
            silver,
            List.of(
                silverEvent(silver, "a", "lesson:started", DAY, 3, 1),
                silverEvent(silver, "b", "lesson:started", DAY, 3, 2),
                silverEvent(silver, "c", "account:created", DAY, 3, 3)),
            promotion("dt=2026-01-02/hour=03", "run-1", 4, 3, 1, 0));
    // Distinct commit times, so --as-of a time between them is unambiguous.
    Thread.sleep(20);
    Snapshot hour4 =
        replacePartitions(
            silver,
            List.of(silverEvent(silver, "f", "heartbeat", DAY, 4, 0)),
            promotion("dt=2026-01-02/hour=04", "run-h4", 1, 1, 0, 0));
    Thread.sleep(20);
    Snapshot second =
        replacePartitions(
            silver,
            List.of(
                silverEvent(silver, "d", "lesson:ended", DAY, 3, 4),
                silverEvent(silver, "e", "lesson:ended", DAY, 3, 5)),
            promotion("dt=2026-01-02/hour=03", "run-2", 2, 2, 0, 0));
    Thread.sleep(20);

    Table gold = catalog.table(LakeTable.GOLD_EVENTS);
    replacePartitions(
        gold,
        List.of(
            goldEvent(gold, "d", "lesson", "ended", 4),
            goldEvent(gold, "e", "lesson", "ended", 5),
            goldEvent(gold, "f", "heartbeat", null, 0)),
        promotion("date=2026-01-02", "run-g", 3, 3, 0, 0));
    Table typed = catalog.table(TYPED);
    typed
        .updateSchema()
        .addColumn("n", Types.LongType.get(), "payload member \"n\"")
        .addColumn(
            "ctx",
            Types.StructType.of(
                NestedField.optional(
                    1, "screen", Types.StringType.get(), "payload member \"screen\"")),
            "payload member \"ctx\"")
        .addColumn(
            "tags", Types.ListType.ofOptional(2, Types.StringType.get()), "payload member \"tags\"")
        .commit();
    Snapshot typedCommit =
        replacePartitions(
            typed,
            List.of(
                typedEvent(typed, "d", 4, "s1", List.of("a", "b")),
                typedEvent(typed, "e", 5, null, List.of())),
            promotion("date=2026-01-02", "run-g", 3, 3, 0, 0));
    Table stats = catalog.table(LakeTable.GOLD_EVENT_STATS);
    Map<String, String> statsSummary = promotion("date=2026-01-02", "run-g", 3, 2, 0, 0);
    statsSummary.put(
        TableHistory.PAIRED_SNAPSHOT + TYPED.tableName(), Long.toString(typedCommit.snapshotId()));
    replacePartitions(
        stats,
        List.of(stats(stats, "lesson", "ended", 2, 0), stats(stats, "heartbeat", null, 1, 0)),
        statsSummary);
    Table uber = catalog.table(LakeTable.SILVER_UBER_MOVEMENTS);
    Map<String, Object> trip = new LinkedHashMap<>();
    trip.put("origin_movement_id", "1");
    trip.put("origin_display_name", "Plaza, \"Centro\"");
    trip.put("destination_movement_id", "2");
    trip.put("date_range", "1/1/2020 - 1/31/2020, Every day, Daily Average");
    trip.put("date_range_start", LocalDate.parse("2020-01-01"));
    trip.put("date_range_end", LocalDate.parse("2020-01-31"));
    trip.put("mean_travel_time_seconds", 600.0);
    trip.put("source_file", "Travel_Times - Bogota.csv");
    trip.put("city", "bogota");
    trip.put("year", 2020);
    trip.put("month", 1);
    trip.put("day", 1);
    replacePartitions(
        uber,
        List.of(row(uber, trip)),
        promotion("Travel_Times - Bogota.csv", "run-u", 1, 1, 0, 0));
    return new FixtureLake(root, first, hour4, second, typedCommit);
  }

  /**
   * A row of the typed table: a lesson:ended event with payload {@code n}, {@code ctx}, {@code
   * tags}.
   */
  private static org.apache.iceberg.data.Record typedEvent(
      Table typed, String uuid, int minute, String screen, List<String> tags) {
    OffsetDateTime createdAt = DAY.atTime(3, minute).atOffset(ZoneOffset.UTC);
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("event_uuid", uuid);
    values.put("event_name", "lesson:ended");
    values.put("created_at", createdAt);
    values.put("created_datetime", createdAt.toInstant().toString());
    values.put("date", DAY);
    values.put("n", (long) minute);
    org.apache.iceberg.data.Record ctx =
        GenericRecord.create(typed.schema().findField("ctx").type().asStructType());
    ctx.setField("screen", screen);
    values.put("ctx", ctx);
    values.put("tags", tags);
    values.put("_rescued", screen == null ? "{\"ctx\":{\"screen\":5}}" : null);
    return row(typed, values);
  }

  private static org.apache.iceberg.data.Record goldEvent(
      Table gold, String uuid, String type, String subtype, int minute) {
    OffsetDateTime createdAt = DAY.atTime(3, minute).atOffset(ZoneOffset.UTC);
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("event_uuid", uuid);
    values.put("event_name", subtype == null ? type : type + ":" + subtype);
    values.put("event_type", type);
    values.put("event_subtype", subtype);
    values.put("created_at", createdAt);
    values.put("created_datetime", createdAt.toInstant().toString());
    values.put("payload", "{}");
    values.put("date", DAY);
    return row(gold, values);
  }

  private static org.apache.iceberg.data.Record stats(
      Table stats, String type, String subtype, long count, long duplicates) {
    OffsetDateTime start = DAY.atStartOfDay().atOffset(ZoneOffset.UTC);
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("date", DAY);
    values.put("event_type", type);
    values.put("event_subtype", subtype);
    values.put("event_count", count + duplicates);
    values.put("distinct_events", count);
    values.put("duplicates_removed", duplicates);
    values.put("first_created_at", start.plusHours(3));
    values.put("last_created_at", start.plusHours(4));
    return row(stats, values);
  }

  /** What the launcher printed and returned. */
  record Result(int status, String out, String err) {
    List<String> lines() {
      return Arrays.asList(out.strip().split("\n"));
    }
  }

  static Result lake(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Lake.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
