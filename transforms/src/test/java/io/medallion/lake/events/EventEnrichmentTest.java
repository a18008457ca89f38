package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
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
