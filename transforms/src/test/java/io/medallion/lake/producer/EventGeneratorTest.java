package io.medallion.lake.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.events.EventParser;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {
  private static final EventGenerator.Settings SETTINGS =
      new EventGenerator.Settings(
          20_000, Instant.parse("2026-01-01T00:00:00Z"), 3, 0.05, 0.01, 0.02, 100, 7);

  @Test
  void theSameSeedGivesTheSameBytes() {
    ByteArrayOutputStream first = new ByteArrayOutputStream();
    ByteArrayOutputStream second = new ByteArrayOutputStream();

    new EventGenerator(SETTINGS).generate(r -> first.writeBytes(r.bytes()));
    new EventGenerator(SETTINGS).generate(r -> second.writeBytes(r.bytes()));

    assertThat(first.toByteArray()).isEqualTo(second.toByteArray());
  }

  @Test
  void itsSummaryMatchesWhatAParserFindsInTheRecords() {
    List<EventGenerator.Record> records = new ArrayList<>();

    EventGenerator.Summary summary = new EventGenerator(SETTINGS).generate(records::add);

    Set<String> uuids = new HashSet<>();
    long valid = 0;
    long rejected = 0;
    Instant previous = Instant.MIN;
    for (EventGenerator.Record r : records) {
      assertThat(r.arrival()).isAfterOrEqualTo(previous);
      previous = r.arrival();
      EventParser.Outcome o =
          EventParser.parse(
              r.bytes(), r.arrival().truncatedTo(java.time.temporal.ChronoUnit.HOURS));
      if (o.isValid()) {
        valid++;
        uuids.add(o.event().eventUuid());
        assertThat(o.event().createdAtMicros() / 1000)
            .isLessThanOrEqualTo(r.arrival().toEpochMilli());
      } else {
        rejected++;
      }
    }
    assertThat(summary.records).isEqualTo(records.size());
    assertThat(uuids).hasSize((int) summary.validEvents);
    assertThat(valid).isEqualTo(summary.validEvents + summary.duplicateRecords);
    assertThat(rejected).isEqualTo(summary.malformedRecords);
    assertThat(summary.duplicateRecords).isBetween(800L, 1200L);
    assertThat(summary.malformedByKind).hasSize(EventGenerator.Malformation.values().length);
    assertThat(summary.recordsByArrivalHour).hasSize(3);
  }

  @Test
  void theCatalogueHasTheRequestedNumberOfDistinctTypesWithOneToThreeParts() {
    List<EventCatalog.EventType> types = EventCatalog.of(100);

    assertThat(types).hasSize(100);
    assertThat(types.stream().map(EventCatalog.EventType::name).distinct()).hasSize(100);
    assertThat(types.stream().map(t -> t.name().split(":").length).distinct())
        .containsExactlyInAnyOrder(1, 2, 3);
  }
}
