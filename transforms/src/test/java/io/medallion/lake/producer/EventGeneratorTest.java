package io.medallion.lake.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.events.EventParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
  void reStampedRetriesAreLaterWithinTheMaximumAndSomeCrossMidnight() {
    // Arrange: four hours around midnight, every duplicate re-stamped up to 10 minutes later.
    EventGenerator.Settings settings =
        new EventGenerator.Settings(
            20_000, Instant.parse("2025-12-31T22:00:00Z"), 4, 0.05, 0.01, 0.02, 100, 7, 1.0, 600);
    List<EventGenerator.Record> records = new ArrayList<>();

    // Act
    EventGenerator.Summary summary = new EventGenerator(settings).generate(records::add);

    // Assert: per uuid, the first copy sent is the earliest; the others are 0 to 600 s later.
    Map<String, Long> firstCreated = new HashMap<>();
    Map<LocalDate, Long> byDateOfFirstCopy = new TreeMap<>();
    long later = 0;
    long acrossMidnight = 0;
    for (EventGenerator.Record r : records) {
      EventParser.Outcome o =
          EventParser.parse(r.bytes(), r.arrival().truncatedTo(ChronoUnit.HOURS));
      if (!o.isValid()) {
        continue;
      }
      long created = o.event().createdAtMicros();
      assertThat(created / 1000).isLessThanOrEqualTo(r.arrival().toEpochMilli());
      Long first = firstCreated.putIfAbsent(o.event().eventUuid(), created);
      if (first == null) {
        byDateOfFirstCopy.merge(dateOf(created), 1L, Long::sum);
      } else {
        assertThat(created - first).isBetween(0L, 600_000_000L);
        if (created > first) {
          later++;
          if (!dateOf(created).equals(dateOf(first))) {
            acrossMidnight++;
          }
        }
      }
    }
    assertThat(firstCreated).hasSize((int) summary.validEvents);
    assertThat(byDateOfFirstCopy).isEqualTo(summary.validEventsByCreatedDate);
    assertThat(later).isEqualTo(summary.restampedRecords).isGreaterThan(900);
    assertThat(acrossMidnight).isEqualTo(summary.restampedAcrossMidnight).isPositive();
  }

  @Test
  void withoutReStampsEveryDuplicateIsByteForByte() {
    List<EventGenerator.Record> records = new ArrayList<>();

    EventGenerator.Summary summary = new EventGenerator(SETTINGS).generate(records::add);

    Set<String> distinct = new HashSet<>();
    records.forEach(r -> distinct.add(new String(r.bytes(), StandardCharsets.UTF_8)));
    assertThat(summary.restampedRecords).isZero();
    assertThat(distinct).hasSize((int) (summary.records - summary.duplicateRecords));
  }

  private static LocalDate dateOf(long micros) {
    return LocalDate.ofInstant(Instant.ofEpochMilli(micros / 1000), ZoneOffset.UTC);
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
