package io.medallion.lake.producer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.erasure.Subjects;
import io.medallion.lake.events.EventParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {
  private static final EventGenerator.Settings SETTINGS =
      new EventGenerator.Settings(
          20_000, Instant.parse("2026-01-01T00:00:00Z"), 3, 0.05, 0.01, 0.02, 100, 7);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LEARNER_ID = Pattern.compile("u-\\d{7}");
  private static final Pattern DEVICE_ID = Pattern.compile("d-[0-9a-f]{8}");

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

  @Test
  void everyValidEventNamesOneSubjectALearnerOrForADeviceLevelTypeADevice() throws IOException {
    // Arrange
    EventGenerator generator = new EventGenerator(SETTINGS);
    List<EventGenerator.Record> records = new ArrayList<>();

    // Act
    EventGenerator.Summary summary = generator.generate(records::add);

    // Assert: user_id of u-0000001..u-0001000 (20,000 events, one learner per 20), or device_id.
    assertThat(generator.learners()).isEqualTo(1000);
    Set<String> learners = new HashSet<>();
    Set<String> devices = new HashSet<>();
    long withUser = 0;
    long withDevice = 0;
    for (EventGenerator.Record r : records) {
      EventParser.Outcome o =
          EventParser.parse(r.bytes(), r.arrival().truncatedTo(ChronoUnit.HOURS));
      if (!o.isValid()) {
        continue;
      }
      JsonNode event = JSON.readTree(r.bytes());
      String domain = o.event().eventName().split(":")[0];
      if (domain.equals("heartbeat") || domain.equals("device")) {
        assertThat(event.has(EventCatalog.USER_ID)).as(o.event().eventName()).isFalse();
        assertThat(event.get(EventCatalog.DEVICE_ID).textValue()).matches(DEVICE_ID);
        devices.add(event.get(EventCatalog.DEVICE_ID).textValue());
        withDevice++;
      } else {
        assertThat(event.has(EventCatalog.DEVICE_ID)).as(o.event().eventName()).isFalse();
        String id = event.get(EventCatalog.USER_ID).textValue();
        assertThat(id).matches(LEARNER_ID);
        assertThat(Integer.parseInt(id.substring(2))).isBetween(1, 1000);
        learners.add(id);
        withUser++;
      }
    }
    assertThat(withUser + withDevice).isEqualTo(summary.validEvents + summary.duplicateRecords);
    assertThat(summary.validEventsWithUserId + summary.validEventsWithDeviceId)
        .isEqualTo(summary.validEvents);
    assertThat(summary.validEventsWithDeviceId).isPositive();
    assertThat(learners).hasSizeGreaterThan(950);
    assertThat(devices).hasSizeGreaterThan(50);
  }

  @Test
  void learnerActivityIsSkewedAndLearnerIdNamesLearnersByRank() throws IOException {
    EventGenerator generator = new EventGenerator(SETTINGS);
    Map<String, Long> eventsByLearner = new HashMap<>();

    generator.generate(
        r -> {
          try {
            JsonNode id = JSON.readTree(r.bytes()).get(EventCatalog.USER_ID);
            if (id != null) {
              eventsByLearner.merge(id.textValue(), 1L, Long::sum);
            }
          } catch (IOException e) {
            // a malformed record: not counted here
          }
        });

    List<Long> counts = new ArrayList<>(eventsByLearner.values());
    counts.sort(java.util.Comparator.reverseOrder());
    long total = counts.stream().mapToLong(Long::longValue).sum();
    long top1Percent = counts.subList(0, 10).stream().mapToLong(Long::longValue).sum();
    long top10Percent = counts.subList(0, 100).stream().mapToLong(Long::longValue).sum();
    // sqrt(1%) = 10% and sqrt(10%) = 32% of the events, against 1% and 10% were activity even.
    assertThat((double) top1Percent / total).isBetween(0.07, 0.13);
    assertThat((double) top10Percent / total).isBetween(0.27, 0.37);
    // Rank 0 draws sqrt(1/1000) = 3.2% of the events, rank 1 1.3%: the busiest learner is rank 0.
    assertThat(eventsByLearner.get(generator.learnerId(0))).isEqualTo(counts.get(0));
    assertThat(generator.learnerId(1)).isNotEqualTo(generator.learnerId(0)).matches(LEARNER_ID);
  }

  @Test
  void anotherSeedMakesOtherLearnersTheActiveOnesAndRanksOutsideThePopulationAreRefused() {
    EventGenerator seven = new EventGenerator(SETTINGS);
    EventGenerator eight =
        new EventGenerator(
            new EventGenerator.Settings(
                20_000, Instant.parse("2026-01-01T00:00:00Z"), 3, 0.05, 0.01, 0.02, 100, 8));

    Set<String> everyone = new HashSet<>();
    for (long rank = 0; rank < seven.learners(); rank++) {
      everyone.add(seven.learnerId(rank));
    }

    assertThat(everyone).hasSize(1000);
    assertThat(seven.learnerId(0)).isNotEqualTo(eight.learnerId(0));
    assertThat(seven.deviceId(0)).isNotEqualTo(eight.deviceId(0)).matches(DEVICE_ID);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> seven.learnerId(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1000 learners");
  }

  @Test
  void malformedRecordsThatLookLikeJsonCarryTheirSubjectAsAJsonString() {
    List<EventGenerator.Record> records = new ArrayList<>();
    EventGenerator.Summary summary = new EventGenerator(SETTINGS).generate(records::add);

    long withSubject = 0;
    for (EventGenerator.Record r : records) {
      EventParser.Outcome o =
          EventParser.parse(r.bytes(), r.arrival().truncatedTo(ChronoUnit.HOURS));
      if (o.isValid()) {
        continue;
      }
      String text = new String(r.bytes(), StandardCharsets.UTF_8);
      java.util.regex.Matcher id = Pattern.compile("\"((u|d)-[0-9a-f]+)\"").matcher(text);
      if (id.find()) {
        // What erasure's raw match on a broken record looks for: the id as a JSON string token.
        String field = id.group(2).equals("u") ? EventCatalog.USER_ID : EventCatalog.DEVICE_ID;
        assertThat(new Subjects(field, Set.of(id.group(1))).matchesRaw(r.bytes())).isTrue();
        withSubject++;
      }
    }
    // Every kind but NOT_JSON (key=value text, no JSON string to find) holds one.
    assertThat(withSubject)
        .isEqualTo(summary.malformedRecords - summary.malformedByKind.get("not_json"))
        .isGreaterThan(150);
  }
}
