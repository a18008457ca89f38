package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeduplicateEventsTest {
  private static final Instant HOUR = Instant.parse("2024-04-07T17:00:00Z");
  private static final LocalDate D = LocalDate.parse("2026-01-01");
  private static final LocalDate D1 = D.plusDays(1);
  private static final LocalDate D2 = D.plusDays(2);

  /** The gold_events table the kept rows are batched for, in a catalog of its own. */
  private static final TableAtStart GOLD = goldTable();

  private static TableAtStart goldTable() {
    try {
      Path lake = Files.createTempDirectory("dedup-test-lake");
      return TableAtStart.load(
          CatalogSettings.local(
              LakeLayout.at(lake.toString()),
              Optional.empty(),
              CatalogSettings.DEFAULT_NAMESPACE,
              Map.of()),
          LakeTable.GOLD_EVENTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static GenericRecord row(String uuid, String name, long micros, String payload) {
    return EventEnrichment.toSilver(new ParsedEvent(HOUR, uuid, name, micros, payload));
  }

  private static GenericRecord at(String uuid, String instant) {
    return row(uuid, "lesson:started", micros(instant), "{}");
  }

  private static long micros(String instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(instant));
  }

  /**
   * De-duplicates {@code silver} for {@code targets}, fed as the read would feed it: only the rows
   * created on {@link DeduplicateEvents#datesToRead}, keyed by their creation date, shuffled.
   */
  private static PCollectionTuple deduplicate(
      TestPipeline p,
      List<GenericRecord> silver,
      List<LocalDate> targets,
      Duration horizon,
      int buckets) {
    return deduplicate(p, "Deduplicate", silver, targets, horizon, buckets);
  }

  private static PCollectionTuple deduplicate(
      TestPipeline p,
      String name,
      List<GenericRecord> silver,
      List<LocalDate> targets,
      Duration horizon,
      int buckets) {
    return deduplicate(
        p,
        name,
        silver,
        DeduplicateEvents.forDates(targets, GOLD).withHorizon(horizon).withBuckets(buckets),
        targets,
        horizon,
        buckets);
  }

  private static PCollectionTuple deduplicate(
      TestPipeline p,
      String name,
      List<GenericRecord> silver,
      DeduplicateEvents deduplicate,
      List<LocalDate> targets,
      Duration horizon,
      int buckets) {
    List<LocalDate> read = DeduplicateEvents.datesToRead(targets, horizon);
    List<KV<String, GenericRecord>> input = new ArrayList<>();
    for (GenericRecord r : silver) {
      LocalDate created =
          LakeLayout.dateOf(EventEnrichment.instantOfMicros((Long) r.get("created_at")));
      if (read.contains(created)) {
        input.add(KV.of(Dataset.GOLD_EVENTS.dateUnit(created).name(), r));
      }
    }
    Collections.shuffle(input, new Random(buckets));
    return p.apply(
            name + "Input",
            Create.of(input)
                .withCoder(
                    KvCoder.of(
                        StringUtf8Coder.of(), AvroCoder.of(LakeTable.SILVER_EVENTS.avroSchema()))))
        .apply(name + "Batches", EncodedBatches.of(ReadSilverEvents.ROW))
        .apply(name, deduplicate);
  }

  /** Asserts the kept rows, each described as {@code uuid date created_datetime}. */
  private static void assertKept(PCollectionTuple out, String... expected) {
    PAssert.that(out.get(DeduplicateEvents.EVENTS))
        .satisfies(
            batches -> {
              List<String> described = new ArrayList<>();
              for (GenericRecord row : keptRows(batches)) {
                described.add(
                    row.get("event_uuid")
                        + " "
                        + LocalDate.ofEpochDay((Integer) row.get("date"))
                        + " "
                        + row.get("created_datetime"));
              }
              assertThat(described).containsExactlyInAnyOrder(expected);
              return null;
            });
  }

  /** The gold rows in the batches, each checked to be under its own partition path. */
  private static List<GenericRecord> keptRows(Iterable<KV<String, byte[]>> batches) {
    List<GenericRecord> rows = new ArrayList<>();
    for (KV<String, byte[]> batch : batches) {
      for (GenericRecord row :
          EncodedBatches.values(DeduplicateEvents.GOLD_ROW, batch.getValue())) {
        assertThat(batch.getKey()).isEqualTo(GOLD.partitionPath(row));
        rows.add(row);
      }
    }
    return rows;
  }

  @SafeVarargs
  private static void assertCounts(PCollectionTuple out, KV<String, Long>... expected) {
    List<KV<String, Long>> counts = new ArrayList<>();
    for (KV<String, Long> count : expected) {
      counts.add(count);
    }
    PAssert.that(out.get(DeduplicateEvents.COUNTS).apply(Sum.longsPerKey()))
        .containsInAnyOrder(counts);
  }

  private static KV<String, Long> count(LocalDate date, String counter, long n) {
    return KV.of("date=" + date + "|" + counter, n);
  }

  @ParameterizedTest(name = "{0} bucket(s), shuffled with seed {0}")
  @ValueSource(ints = {1, 3, 64})
  void keepsTheEarliestRowPerUuidWithADeterministicTieBreak(int buckets) {
    // Arrange: the two pgb-demos fixtures share a uuid and a created_at; "a" is an exact duplicate;
    // "b" has a later copy.
    long t = 1_712_511_721_022_075L;
    String shared = "78d1b928-37e0-41a0-bf41-ea9d86b27e5a";
    List<GenericRecord> rows =
        List.of(
            row(shared, "payment:order:completed", t, "{}"),
            row(shared, "account:created", t, "{}"),
            row("a", "lesson:started", t, "{\"x\":1}"),
            row("a", "lesson:started", t, "{\"x\":1}"),
            row("b", "quiz:completed", t + 5, "{\"late\":true}"),
            row("b", "quiz:completed", t, "{\"late\":false}"),
            row("c", "heartbeat", t, "{}"));
    TestPipeline p = TestPipelines.create();
    LocalDate date = LocalDate.parse("2024-04-07");

    // Act
    PCollectionTuple out =
        deduplicate(p, rows, List.of(date), DeduplicateEvents.DEFAULT_HORIZON, buckets);

    // Assert
    PAssert.that(out.get(DeduplicateEvents.EVENTS))
        .satisfies(
            batches -> {
              List<String> described = new ArrayList<>();
              for (GenericRecord row : keptRows(batches)) {
                assertThat(LocalDate.ofEpochDay((Integer) row.get("date"))).isEqualTo(date);
                described.add(
                    row.get("event_uuid") + " " + row.get("event_name") + " " + row.get("payload"));
              }
              assertThat(described)
                  .containsExactlyInAnyOrder(
                      shared + " account:created {}",
                      "a lesson:started {\"x\":1}",
                      "b quiz:completed {\"late\":false}",
                      "c heartbeat {}");
              return null;
            });
    assertCounts(
        out,
        count(date, "written", 4),
        count(date, "duplicates_removed", 3),
        count(date, "duplicate_of.2024-04-07", 3));
    TestPipelines.run(p);
  }

  @Test
  void countsWhatTheKeptRowsPayloadsHoldPerTypedTableOfTheTargetDatesOnly() {
    long t = 1_712_511_721_022_075L;
    List<GenericRecord> rows =
        List.of(
            row("a", "lesson:started", t, "{\"x\":1}"),
            row("a", "lesson:started", t, "{\"x\":1}"),
            row("b", "quiz:completed", t + 5, "{\"late\":true}"),
            row("b", "Quiz:Completed", t, "{\"late\":false,\"n\":null}"),
            row("c", "heartbeat", t, "{}"),
            row("d", "事件:开始", t, "{\"y\":1}"),
            row("e", "lesson:started", t - 3_600_000_000L * 20, "{\"context\":1}"));
    TestPipeline p = TestPipelines.create();
    List<LocalDate> dates = List.of(LocalDate.parse("2024-04-07"));

    PCollectionTuple out =
        deduplicate(
            p,
            "Deduplicate",
            rows,
            DeduplicateEvents.forDates(dates, GOLD)
                .withBuckets(3)
                .withPayloadTypesOf(TableFamily.TYPED_EVENTS),
            dates,
            DeduplicateEvents.DEFAULT_HORIZON,
            3);

    // The kept copies only (b's earlier, false), not "事件:开始" (no table), not e (context).
    PAssert.that(out.get(DeduplicateEvents.TYPES).apply(Sum.longsPerKey()))
        .containsInAnyOrder(
            List.of(
                KV.of("[\"gold_evt_lesson_started\",\"OBJECT\"]", 1L),
                KV.of("[\"gold_evt_lesson_started\",\"INT32\",\"x\"]", 1L),
                KV.of("[\"gold_evt_quiz_completed\",\"OBJECT\"]", 1L),
                KV.of("[\"gold_evt_quiz_completed\",\"BOOLEAN\",\"late\"]", 1L),
                KV.of("[\"gold_evt_quiz_completed\",\"NULL\",\"n\"]", 1L),
                KV.of("[\"gold_evt_heartbeat\",\"OBJECT\"]", 1L)));
    TestPipelines.run(p);
  }

  @Test
  void withoutAFamilyNothingIsCounted() {
    TestPipeline p = TestPipelines.create();
    PCollectionTuple out =
        deduplicate(
            p, List.of(at("a", "2026-01-01T10:00:00Z")), List.of(D), Duration.ofHours(1), 1);
    PAssert.that(out.get(DeduplicateEvents.TYPES)).empty();
    TestPipelines.run(p);
  }

  /** Re-stamped retries around the midnight between D and D+1, and a copy 25 hours later. */
  private static final List<GenericRecord> AROUND_MIDNIGHT =
      List.of(
          at("retried", "2026-01-01T23:59:50Z"),
          at("retried", "2026-01-02T00:00:04Z"),
          at("far", "2026-01-01T01:00:00Z"),
          at("far", "2026-01-02T02:00:00Z"),
          at("early", "2025-12-31T23:59:59Z"),
          at("early", "2026-01-01T00:00:01Z"),
          at("once", "2026-01-02T12:00:00Z"));

  private static final String[] KEPT_ON_D = {
    "retried 2026-01-01 2026-01-01T23:59:50Z", "far 2026-01-01 2026-01-01T01:00:00Z"
  };
  private static final String[] KEPT_ON_D1 = {
    "far 2026-01-02 2026-01-02T02:00:00Z", "once 2026-01-02 2026-01-02T12:00:00Z"
  };

  @Test
  void aRetryReStampedAfterMidnightIsADuplicateOfTheCopyBeforeIt() {
    TestPipeline p = TestPipelines.create();

    PCollectionTuple out =
        deduplicate(p, AROUND_MIDNIGHT, List.of(D, D1), DeduplicateEvents.DEFAULT_HORIZON, 4);

    List<String> both = new ArrayList<>(List.of(KEPT_ON_D));
    both.addAll(List.of(KEPT_ON_D1));
    assertKept(out, both.toArray(String[]::new));
    assertCounts(
        out,
        count(D, "written", 2),
        count(D, "duplicates_removed", 1),
        count(D, "duplicate_of.2025-12-31", 1),
        count(D1, "written", 2),
        count(D1, "duplicates_removed", 1),
        count(D1, "duplicate_of.2026-01-01", 1));
    TestPipelines.run(p);
  }

  @Test
  void promotingDAloneKeepsTheSameRowsAndCountsAsWithItsNeighbour() {
    TestPipeline p = TestPipelines.create();

    PCollectionTuple out =
        deduplicate(p, AROUND_MIDNIGHT, List.of(D), DeduplicateEvents.DEFAULT_HORIZON, 4);

    assertKept(out, KEPT_ON_D);
    assertCounts(
        out,
        count(D, "written", 2),
        count(D, "duplicates_removed", 1),
        count(D, "duplicate_of.2025-12-31", 1));
    TestPipelines.run(p);
  }

  @Test
  void promotingTheNextDayAloneDropsTheRetryWhoseWinnerIsTheDayBefore() {
    TestPipeline p = TestPipelines.create();

    PCollectionTuple out =
        deduplicate(p, AROUND_MIDNIGHT, List.of(D1), DeduplicateEvents.DEFAULT_HORIZON, 4);

    assertKept(out, KEPT_ON_D1);
    assertCounts(
        out,
        count(D1, "written", 2),
        count(D1, "duplicates_removed", 1),
        count(D1, "duplicate_of.2026-01-01", 1));
    TestPipelines.run(p);
  }

  @ParameterizedTest(name = "targets from day {0}")
  @ValueSource(ints = {0, 1, 2})
  void aChainOfRetriesKeepsOnlyTheFirst(int fromDay) {
    // t0, t0 + 0.8 day, t0 + 1.6 day: each within the horizon of the one before, the last not of
    // the first; whichever dates are promoted, only t0 stays.
    TestPipeline p = TestPipelines.create();
    List<GenericRecord> chain =
        List.of(
            at("chain", "2026-01-01T10:00:00Z"),
            at("chain", "2026-01-02T05:12:00Z"),
            at("chain", "2026-01-03T00:24:00Z"));
    List<LocalDate> targets = List.of(D, D1, D2).subList(fromDay, 3);

    PCollectionTuple out = deduplicate(p, chain, targets, DeduplicateEvents.DEFAULT_HORIZON, 2);

    if (fromDay == 0) {
      assertKept(out, "chain 2026-01-01 2026-01-01T10:00:00Z");
    } else {
      assertKept(out);
    }
    List<KV<String, Long>> expected = new ArrayList<>();
    if (fromDay == 0) {
      expected.add(count(D, "written", 1));
    }
    if (fromDay <= 1) {
      expected.add(count(D1, "duplicates_removed", 1));
      expected.add(count(D1, "duplicate_of.2026-01-01", 1));
    }
    expected.add(count(D2, "duplicates_removed", 1));
    expected.add(count(D2, "duplicate_of.2026-01-02", 1));
    PAssert.that(out.get(DeduplicateEvents.COUNTS).apply(Sum.longsPerKey()))
        .containsInAnyOrder(expected);
    TestPipelines.run(p);
  }

  @Test
  void aShorterHorizonKeepsCopiesFurtherApartAndZeroKeepsAllButTheSameInstant() {
    List<GenericRecord> rows =
        List.of(
            at("a", "2026-01-01T10:00:00Z"),
            at("a", "2026-01-01T11:00:00Z"),
            at("a", "2026-01-01T11:00:00Z"),
            at("a", "2026-01-01T14:00:00Z"));
    TestPipeline p = TestPipelines.create();

    PCollectionTuple twoHours =
        deduplicate(p, "TwoHours", rows, List.of(D), Duration.ofHours(2), 1);
    PCollectionTuple zero = deduplicate(p, "Zero", rows, List.of(D), Duration.ZERO, 1);

    assertKept(twoHours, "a 2026-01-01 2026-01-01T10:00:00Z", "a 2026-01-01 2026-01-01T14:00:00Z");
    assertKept(
        zero,
        "a 2026-01-01 2026-01-01T10:00:00Z",
        "a 2026-01-01 2026-01-01T11:00:00Z",
        "a 2026-01-01 2026-01-01T14:00:00Z");
    TestPipelines.run(p);
  }

  @Test
  void statsCountEveryRowOfTheDateUnderItsOwnTypeAndTheKeptOnesAsDistinct() {
    TestPipeline p = TestPipelines.create();

    PCollectionTuple out =
        deduplicate(p, AROUND_MIDNIGHT, List.of(D, D1), DeduplicateEvents.DEFAULT_HORIZON, 3);

    PAssert.that(out.get(DeduplicateEvents.STATS).apply(DailyEventStats.create()))
        .satisfies(
            stats -> {
              List<String> described = new ArrayList<>();
              for (GenericRecord r : stats) {
                described.add(
                    "date="
                        + LocalDate.ofEpochDay((Integer) r.get("date"))
                        + " "
                        + r.get("event_type")
                        + "/"
                        + r.get("event_subtype")
                        + " count="
                        + r.get("event_count")
                        + " distinct="
                        + r.get("distinct_events")
                        + " dups="
                        + r.get("duplicates_removed")
                        + " first="
                        + r.get("first_created_at")
                        + " last="
                        + r.get("last_created_at"));
              }
              assertThat(described)
                  .containsExactlyInAnyOrder(
                      "date=2026-01-01 lesson/started count=3 distinct=2 dups=1 first="
                          + micros("2026-01-01T00:00:01Z")
                          + " last="
                          + micros("2026-01-01T23:59:50Z"),
                      "date=2026-01-02 lesson/started count=3 distinct=2 dups=1 first="
                          + micros("2026-01-02T00:00:04Z")
                          + " last="
                          + micros("2026-01-02T12:00:00Z"));
              return null;
            });
    TestPipelines.run(p);
  }

  @Test
  void rejectsANegativeHorizonAndReadsTheDatesTheHorizonReaches() {
    assertThatThrownBy(
            () -> DeduplicateEvents.forDates(List.of(D), GOLD).withHorizon(Duration.ofHours(-1)))
        .hasMessageStartingWith("--dedupHorizon: must not be negative");
    assertThatThrownBy(
            () -> DeduplicateEvents.forDates(List.of(D), GOLD).withHorizon(Duration.ofDays(400)))
        .hasMessageStartingWith("--dedupHorizon: at most");
    assertThat(DeduplicateEvents.datesToRead(List.of(D1, D), Duration.ofDays(1)))
        .containsExactly(D.minusDays(1), D, D1);
    assertThat(DeduplicateEvents.datesToRead(List.of(D), Duration.ofHours(36)))
        .containsExactly(D.minusDays(2), D.minusDays(1), D);
    assertThat(DeduplicateEvents.datesToRead(List.of(D), Duration.ZERO)).containsExactly(D);
    assertThat(DeduplicateEvents.datesToRead(List.of(D.plusDays(10), D), Duration.ofDays(1)))
        .containsExactly(D.minusDays(1), D, D.plusDays(9), D.plusDays(10));
  }

  @Test
  void sizesBucketsByTheRowsADateHolds() {
    assertThat(DeduplicateEvents.bucketsFor(0)).isEqualTo(1);
    assertThat(DeduplicateEvents.bucketsFor(DeduplicateEvents.ROWS_PER_BUCKET)).isEqualTo(1);
    assertThat(DeduplicateEvents.bucketsFor(DeduplicateEvents.ROWS_PER_BUCKET + 1)).isEqualTo(2);
    assertThat(DeduplicateEvents.bucketsFor(24_000_000)).isEqualTo(480);
  }
}
