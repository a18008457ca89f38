package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.testing.TestPipelines;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

class DailyEventStatsTest {
  /** A partial count as {@link DeduplicateEvents#STATS} emits it, one per bucket and bundle. */
  private static Row partial(
      String date, String type, String subtype, long rows, long kept, long first, long last) {
    return Row.withSchema(DailyEventStats.PARTIAL_STATS)
        .addValues(
            (int) LocalDate.parse(date).toEpochDay(),
            type,
            subtype,
            rows,
            kept,
            rows - kept,
            first,
            last)
        .build();
  }

  @Test
  void addsUpPartialCountsPerDateTypeAndSubtypeWithBeamSql() {
    // Arrange: lesson/started and heartbeat on 2024-03-24 come in two partials each.
    TestPipeline p = TestPipelines.create();
    List<Row> partials =
        List.of(
            partial(
                "2024-03-24",
                "account",
                "created",
                1,
                1,
                1_711_315_195_000_000L,
                1_711_315_195_000_000L),
            partial(
                "2024-03-24",
                "lesson",
                "started",
                2,
                1,
                1_711_314_895_000_000L,
                1_711_314_895_000_000L),
            partial(
                "2024-03-24",
                "lesson",
                "started",
                1,
                1,
                1_711_314_995_123_456L,
                1_711_314_995_123_456L),
            partial(
                "2024-03-24",
                "heartbeat",
                null,
                3,
                1,
                1_711_314_000_000_000L,
                1_711_314_000_500_000L),
            partial(
                "2024-03-24",
                "heartbeat",
                null,
                1,
                1,
                1_711_314_001_000_000L,
                1_711_314_001_000_000L),
            partial(
                "2024-03-25",
                "lesson",
                "started",
                1,
                0,
                1_711_400_000_000_000L,
                1_711_400_000_000_000L));

    // Act
    PCollection<GenericRecord> stats =
        p.apply(Create.of(partials).withRowSchema(DailyEventStats.PARTIAL_STATS))
            .apply(DailyEventStats.create());

    // Assert
    PAssert.that(stats)
        .satisfies(
            rows -> {
              List<String> described = new ArrayList<>();
              for (GenericRecord r : rows) {
                described.add(
                    String.join(
                        " ",
                        "date=" + LocalDate.ofEpochDay((Integer) r.get("date")),
                        String.valueOf(r.get("event_type")),
                        String.valueOf(r.get("event_subtype")),
                        "count=" + r.get("event_count"),
                        "distinct=" + r.get("distinct_events"),
                        "dups=" + r.get("duplicates_removed"),
                        "first=" + r.get("first_created_at"),
                        "last=" + r.get("last_created_at")));
              }
              assertThat(described)
                  .containsExactlyInAnyOrder(
                      "date=2024-03-24 account created count=1 distinct=1 dups=0 first=1711315195000000 last=1711315195000000",
                      "date=2024-03-24 lesson started count=3 distinct=2 dups=1 first=1711314895000000 last=1711314995123456",
                      "date=2024-03-24 heartbeat null count=4 distinct=2 dups=2 first=1711314000000000 last=1711314001000000",
                      "date=2024-03-25 lesson started count=1 distinct=0 dups=1 first=1711400000000000 last=1711400000000000");
              return null;
            });
    TestPipelines.run(p);
  }
}
