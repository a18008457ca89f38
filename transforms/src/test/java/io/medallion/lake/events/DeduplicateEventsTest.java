package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.tables.LakeTable;
import io.medallion.lake.testing.TestPipelines;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeduplicateEventsTest {
  private static final Instant HOUR = Instant.parse("2024-04-07T17:00:00Z");

  private static GenericRecord row(String uuid, String name, long micros, String payload) {
    return EventEnrichment.toSilver(new ParsedEvent(HOUR, uuid, name, micros, payload));
  }

  @ParameterizedTest(name = "{0} bucket(s), shuffled with seed {0}")
  @ValueSource(ints = {1, 3, 64})
  void keepsTheEarliestRowPerUuidWithADeterministicTieBreak(int buckets) {
    // Arrange: the two pgb-demos fixtures share a uuid and a created_at; "a" is an exact duplicate;
    // "b" has a later copy.
    long t = 1_712_511_721_022_075L;
    String shared = "78d1b928-37e0-41a0-bf41-ea9d86b27e5a";
    List<GenericRecord> rows =
        new ArrayList<>(
            List.of(
                row(shared, "payment:order:completed", t, "{}"),
                row(shared, "account:created", t, "{}"),
                row("a", "lesson:started", t, "{\"x\":1}"),
                row("a", "lesson:started", t, "{\"x\":1}"),
                row("b", "quiz:completed", t + 5, "{\"late\":true}"),
                row("b", "quiz:completed", t, "{\"late\":false}"),
                row("c", "heartbeat", t, "{}")));
    Collections.shuffle(rows, new Random(buckets));
    TestPipeline p = TestPipelines.create();
    List<KV<String, GenericRecord>> input = new ArrayList<>();
    rows.forEach(r -> input.add(KV.of("date=2024-04-07", r)));

    // Act
    PCollectionTuple out =
        p.apply(
                Create.of(input)
                    .withCoder(
                        KvCoder.of(
                            StringUtf8Coder.of(),
                            AvroCoder.of(LakeTable.SILVER_EVENTS.avroSchema()))))
            .apply(DeduplicateEvents.withBuckets(buckets));

    // Assert
    PAssert.that(out.get(DeduplicateEvents.EVENTS))
        .satisfies(
            kept -> {
              List<String> described = new ArrayList<>();
              for (DeduplicatedEvent e : kept) {
                assertThat(e.date()).isEqualTo("2024-04-07");
                described.add(
                    e.event().get("event_uuid")
                        + " "
                        + e.event().get("event_name")
                        + " "
                        + e.event().get("payload")
                        + " x"
                        + e.copies());
              }
              assertThat(described)
                  .containsExactlyInAnyOrder(
                      shared + " account:created {} x2",
                      "a lesson:started {\"x\":1} x2",
                      "b quiz:completed {\"late\":false} x2",
                      "c heartbeat {} x1");
              return null;
            });
    PAssert.that(out.get(DeduplicateEvents.COUNTS).apply(Sum.longsPerKey()))
        .containsInAnyOrder(
            List.of(
                KV.of("date=2024-04-07|written", 4L),
                KV.of("date=2024-04-07|duplicates_removed", 3L)));
    TestPipelines.run(p);
  }
}
