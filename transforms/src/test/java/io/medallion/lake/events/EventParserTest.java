package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.events.EventParser.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventParserTest {
  private static final Instant ARRIVAL = Instant.parse("2024-03-24T21:00:00Z");

  private static EventParser.Outcome parse(String json) {
    return EventParser.parse(json.getBytes(StandardCharsets.UTF_8), ARRIVAL);
  }

  private static List<String> fixtureLines() throws IOException {
    try (InputStream in =
        EventParserTest.class.getResourceAsStream("/fixtures/events/public-fixtures.jsonl")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  @Test
  void acceptsEveryPublicFixtureAndKeepsNumericUuidsAsText() throws IOException {
    // Arrange: the fixtures span 2021 to 2024; arrive them all after the newest.
    Instant arrival = Instant.parse("2024-04-07T17:00:00Z");

    // Act
    List<EventParser.Outcome> outcomes =
        fixtureLines().stream()
            .map(l -> EventParser.parse(l.getBytes(StandardCharsets.UTF_8), arrival))
            .toList();

    // Assert
    assertThat(outcomes).allMatch(EventParser.Outcome::isValid);
    assertThat(outcomes.get(0).event().eventUuid()).isEqualTo("1");
    assertThat(outcomes.get(0).event().createdAtMicros()).isEqualTo(1_711_315_195_000_000L);
    assertThat(outcomes.get(4).event().createdAtMicros()).isEqualTo(1_712_511_721_022_075L);
    assertThat(outcomes.get(4).event().eventName()).isEqualTo("payment:order:completed");
    assertThat(outcomes.get(6).event().eventUuid()).isEqualTo("123456");
    assertThat(outcomes.get(6).event().payload()).isEqualTo("{}");
  }

  @Test
  void keepsEveryOtherFieldAsThePayloadInOrder() {
    EventParser.Outcome outcome =
        parse(
            "{\"user_id\":7,\"event_uuid\":\"u1\",\"event_name\":\"lesson:started\","
                + "\"created_at\":1711315195,\"score\":1.50,\"ctx\":{\"a\":[1,null]}}");

    assertThat(outcome.isValid()).isTrue();
    assertThat(outcome.event().payload())
        .isEqualTo("{\"user_id\":7,\"score\":1.50,\"ctx\":{\"a\":[1,null]}}");
  }

  @Test
  void keepsAFractionalUuidAsItsDecimalText() {
    assertThat(
            parse("{\"event_uuid\":12.50,\"event_name\":\"a\",\"created_at\":1711315195}")
                .event()
                .eventUuid())
        .isEqualTo("12.50");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''|EMPTY_RECORD",
        "'   '|EMPTY_RECORD",
        "{\"event_uuid\":\"u\"|INVALID_JSON",
        "not json at all|INVALID_JSON",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195} trailing|INVALID_JSON",
        "{\"event_uuid\":\"u\",\"event_uuid\":\"v\",\"event_name\":\"a\",\"created_at\":1711315195}|INVALID_JSON",
        "[1,2,3]|NOT_AN_OBJECT",
        "\"just a string\"|NOT_AN_OBJECT",
        "{\"event_name\":\"a\",\"created_at\":1711315195}|MISSING_EVENT_UUID",
        "{\"event_uuid\":null,\"event_name\":\"a\",\"created_at\":1711315195}|MISSING_EVENT_UUID",
        "{\"event_uuid\":true,\"event_name\":\"a\",\"created_at\":1711315195}|INVALID_EVENT_UUID",
        "{\"event_uuid\":\"  \",\"event_name\":\"a\",\"created_at\":1711315195}|INVALID_EVENT_UUID",
        "{\"event_uuid\":{\"id\":1},\"event_name\":\"a\",\"created_at\":1711315195}|INVALID_EVENT_UUID",
        "{\"event_uuid\":\"u\",\"created_at\":1711315195}|MISSING_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":42,\"created_at\":1711315195}|INVALID_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":\"\",\"created_at\":1711315195}|INVALID_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":\"lesson:\",\"created_at\":1711315195}|INVALID_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":\":started\",\"created_at\":1711315195}|INVALID_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":\"a::b\",\"created_at\":1711315195}|INVALID_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":\"a: :b\",\"created_at\":1711315195}|INVALID_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\"}|MISSING_CREATED_AT",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":\"1711315195\"}|INVALID_CREATED_AT",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":[1]}|INVALID_CREATED_AT",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195000}|CREATED_AT_OUT_OF_RANGE",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":-1}|CREATED_AT_OUT_OF_RANGE",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":946684799.999999}|CREATED_AT_OUT_OF_RANGE",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1e400}|CREATED_AT_OUT_OF_RANGE",
      })
  void rejectsEachClassOfBadInputWithItsReason(String json, Reason expected) {
    EventParser.Outcome outcome = parse(json);

    assertThat(outcome.isValid()).isFalse();
    assertThat(outcome.rejection().reason()).isEqualTo(expected);
    assertThat(outcome.rejection().detail()).isNotBlank();
  }

  @Test
  void acceptsCreatedAtUpToOneDayPastItsArrivalHourButNotBeyond() {
    long hourEnd = ARRIVAL.getEpochSecond() + 3600;
    String template = "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":%d}";

    assertThat(parse(String.format(template, hourEnd + 86_399)).isValid()).isTrue();
    assertThat(parse(String.format(template, hourEnd + 86_400)).rejection().reason())
        .isEqualTo(Reason.CREATED_AT_OUT_OF_RANGE);
  }

  @Test
  void rejectsInvalidUtf8AndOversizedRecords() {
    byte[] notUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    byte[] huge = new byte[EventParser.MAX_RECORD_BYTES + 1];

    assertThat(EventParser.parse(notUtf8, ARRIVAL).rejection().reason())
        .isEqualTo(Reason.INVALID_JSON);
    assertThat(EventParser.parse(huge, ARRIVAL).rejection().reason())
        .isEqualTo(Reason.RECORD_TOO_LARGE);
  }
}
