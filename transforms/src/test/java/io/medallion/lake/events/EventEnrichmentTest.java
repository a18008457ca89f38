package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventEnrichmentTest {

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "1711315195000000, 2024-03-24T21:19:55Z",
    "1712511721022075, 2024-04-07T17:42:01.022075Z",
    "1629235179000000, 2021-08-17T21:19:39Z",
    "1711315195500000, 2024-03-24T21:19:55.500Z",
  })
  void formatsCreatedDatetimeInUtcKeepingTheFraction(long micros, String expected) {
    assertThat(EventEnrichment.createdDatetime(micros)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "0",
    "-1",
    "1",
    "999",
    "1000",
    "-1000000",
    "-62167219200000000",
    "-62167219200000001",
    "253402300799999999",
    "253402300800000000",
    "1767225599999999",
    "1767225600000000",
    "4102444800123000",
  })
  void writesCreatedDatetimeAsIsoInstantDoesAtEveryEdge(long micros) {
    // The epoch, before it, year 0000's first microsecond and the one before (year -1), the last
    // of year 9999 and the first of 10000 (written by the formatter), a midnight, a fraction.
    assertThat(EventEnrichment.createdDatetime(micros)).isEqualTo(isoInstant(micros));
  }

  @Test
  void writesCreatedDatetimeAsIsoInstantDoesForRandomTimes() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      long micros = random.nextLong(-70_000_000_000_000_000L, 260_000_000_000_000_000L);
      // Whole seconds and milliseconds are as common as microseconds in real events.
      long rounded = i % 3 == 0 ? micros - Math.floorMod(micros, 1_000_000L) : micros;
      rounded = i % 3 == 1 ? rounded - Math.floorMod(rounded, 1_000L) : rounded;
      assertThat(EventEnrichment.createdDatetime(rounded)).isEqualTo(isoInstant(rounded));
    }
  }

  private static String isoInstant(long micros) {
    return DateTimeFormatter.ISO_INSTANT.format(
        Instant.ofEpochSecond(
            Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L));
  }

  @ParameterizedTest(name = "{0} → {1} / {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "payment:order:completed, payment, order",
        "account:created, account, created",
        "heartbeat, heartbeat, null",
        "quizz:completed, quizz, completed",
        "Lesson:Started, lesson, started",
        "../../x:y, x, y",
        "A/B:c, a_b, c",
        "Café Crème:Bestellt, cafe_creme, bestellt",
        "事件:开始, x_e4ba8be4bbb6, x_e5bc80e5a78b",
      })
  void splitsTheNameIntoNormalisedTypeAndSubtype(String name, String type, String subtype) {
    assertThat(EventEnrichment.eventType(name)).isEqualTo(type);
    assertThat(EventEnrichment.eventSubtype(name)).isEqualTo(subtype);
  }

  @Test
  void buildsTheSilverRow() {
    ParsedEvent event =
        new ParsedEvent(
            Instant.parse("2024-04-07T17:00:00Z"),
            "78d1b928-37e0-41a0-bf41-ea9d86b27e5a",
            "payment:order:completed",
            1_712_511_721_022_075L,
            "{\"amount\":9.99}");

    GenericRecord row = EventEnrichment.toSilver(event);

    assertThat(row.get("event_uuid")).isEqualTo("78d1b928-37e0-41a0-bf41-ea9d86b27e5a");
    assertThat(row.get("event_name")).isEqualTo("payment:order:completed");
    assertThat(row.get("event_type")).isEqualTo("payment");
    assertThat(row.get("event_subtype")).isEqualTo("order");
    assertThat(row.get("created_at")).isEqualTo(1_712_511_721_022_075L);
    assertThat(row.get("created_datetime")).isEqualTo("2024-04-07T17:42:01.022075Z");
    assertThat(row.get("payload")).isEqualTo("{\"amount\":9.99}");
  }
}
