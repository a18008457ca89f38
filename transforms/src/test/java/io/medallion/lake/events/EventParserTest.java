package io.medallion.lake.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.bronze.WriteBronzeFiles;
import io.medallion.lake.bronze.WriteBronzeFiles.Unframed;
import io.medallion.lake.events.EventParser.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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
        "'   '|BLANK_RECORD",
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
  void eachRecordTheBronzeWriterCannotFrameIsRejectedForTheWritersReason() {
    byte[] empty = {};
    byte[] blank = " \t\r\n".getBytes(StandardCharsets.UTF_8);
    byte[] twoLines = "{\"a\":\n1".getBytes(StandardCharsets.UTF_8);
    byte[] notUtf8TwoLines = {(byte) 0xFF, '\n', (byte) 0xFE};

    assertThat(WriteBronzeFiles.unframed(empty)).isEqualTo(Unframed.EMPTY_RECORD);
    assertThat(EventParser.parse(empty, ARRIVAL).rejection().reason())
        .isEqualTo(Reason.EMPTY_RECORD);
    assertThat(WriteBronzeFiles.unframed(blank)).isEqualTo(Unframed.BLANK_RECORD);
    assertThat(EventParser.parse(blank, ARRIVAL).rejection().reason())
        .isEqualTo(Reason.BLANK_RECORD);
    // A line break in non-JSON: no JSON value can be read whole, so it is invalid JSON.
    for (byte[] raw : List.of(twoLines, notUtf8TwoLines)) {
      assertThat(WriteBronzeFiles.unframed(raw)).isEqualTo(Unframed.LINE_BREAK_IN_NON_JSON);
      assertThat(EventParser.parse(raw, ARRIVAL).rejection().reason())
          .isEqualTo(Reason.INVALID_JSON);
    }
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

  private static final String REQUIRED =
      "\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195";

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "\"\\ud800\"", // a lone surrogate escape, as some JavaScript producers write
        "\"\\udc00x\\ud83d\"",
        "\"\\ud83d\\ude00\"",
        "\"\\u0000\"",
        "\"\\/\"",
        "\"caf\\u00e9\"",
        "\"café ☕ 事件\"",
        "\"\\\"quoted\\\" \\\\ \\b\\f\\n\\r\\t\"",
        "1e5",
        "1E+5",
        "-0",
        "-0.0",
        "1.50",
        "-1.0E-7",
        "1e400",
        "123456789012345678901234567890",
        "0.1000000000000000055511151231257827",
        "true",
        "null",
        "[]",
        "{\"b\":[1,{\"c\":null,\"d\":\"}{\"}],\"a\":{}}",
      })
  void keepsEveryPayloadValueExactlyAsWritten(String value) {
    EventParser.Outcome outcome = parse("{" + REQUIRED + ",\"note\":" + value + "}");

    assertThat(outcome.isValid()).isTrue();
    assertThat(outcome.event().payload()).isEqualTo("{\"note\":" + value + "}");
    // What a UTF-8 writer (Parquet, the coders) makes of it is the bytes received.
    assertThat(outcome.event().payload().getBytes(StandardCharsets.UTF_8))
        .isEqualTo(("{\"note\":" + value + "}").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void keepsPayloadKeysInOrderAsWrittenAroundTheRequiredFields() {
    EventParser.Outcome outcome =
        parse(
            "{\"z\":1,\"event_uuid\":\"u\",\"a\":2,\"event_name\":\"a\",\"m\":{\"y\":1,\"x\":2},"
                + "\"created_at\":1711315195,\"\\u0041\":3,\"\\ud800\":4}");

    assertThat(outcome.event().payload())
        .isEqualTo("{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"x\":2},\"\\u0041\":3,\"\\ud800\":4}");
  }

  @Test
  void dropsOnlyTheWhitespaceBetweenTokensOfAPrettyPrintedRecord() {
    String pretty =
        "{\r\n  \"event_uuid\" : \"u\",\n  \"s\" : \"a  b\\t { c\",\n\t\"event_name\": \"a\",\n"
            + "  \"n\": [ 1 ,\n    2 ] ,\n  \"created_at\": 1711315195\n}";

    assertThat(parse(pretty).event().payload()).isEqualTo("{\"s\":\"a  b\\t { c\",\"n\":[1,2]}");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1|1",
        "12.50|12.50",
        "1E+5|1E+5",
        "1e5|1e5",
        "-0|-0",
        "123456789012345678901234567890|123456789012345678901234567890",
        "\"\\u0031\\/2\"|1/2",
      })
  void keepsANumericEventUuidAsWrittenAndDecodesAStringOne(String json, String expected) {
    String record = "{\"event_uuid\":" + json + ",\"event_name\":\"a\",\"created_at\":1711315195}";

    assertThat(parse(record).event().eventUuid()).isEqualTo(expected);
  }

  @Test
  void decodesEscapesInTheEventNameToTheSameText() {
    String escaped =
        "{\"event_uuid\":\"u\",\"event_name\":\"caf\\u00e9:a\\/b\",\"created_at\":1711315195}";
    String literal = "{\"event_uuid\":\"u\",\"event_name\":\"café:a/b\",\"created_at\":1711315195}";
    String pair =
        "{\"event_uuid\":\"u\",\"event_name\":\"\\ud83d\\ude00:x\",\"created_at\":1711315195}";

    assertThat(parse(escaped).event().eventName()).isEqualTo("café:a/b");
    assertThat(parse(literal).event().eventName()).isEqualTo("café:a/b");
    assertThat(parse(pair).event().eventName()).isEqualTo("\uD83D\uDE00:x");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"event_uuid\":\"\\ud800\",\"event_name\":\"a\",\"created_at\":1711315195}|INVALID_EVENT_UUID",
        "{\"event_uuid\":\"id-\\udfff\",\"event_name\":\"a\",\"created_at\":1711315195}|INVALID_EVENT_UUID",
        "{\"event_uuid\":\"u\",\"event_name\":\"lesson:\\ud800\",\"created_at\":1711315195}|INVALID_EVENT_NAME",
        "{\"event_uuid\":\"u\",\"event_name\":\"\\ude00\\ud83d:x\",\"created_at\":1711315195}|INVALID_EVENT_NAME",
      })
  void rejectsALoneSurrogateInATypedColumn(String json, Reason expected) {
    EventParser.Outcome outcome = parse(json);

    assertThat(outcome.rejection().reason()).isEqualTo(expected);
    assertThat(outcome.rejection().detail()).contains("lone surrogate", "UTF-8");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195,\"m\":{\"x\":1,\"x\":2}}",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195,\"m\":[{\"x\":1,\"x\":1}]}",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195,\"a\":1,\"\\u0061\":2}",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195,\"n\":NaN}",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195,\"n\":01}",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195,\"s\":\"\\x\"}",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195,\"s\":\"tab\tin\"}",
        "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":1711315195} {}",
        "[1] 2",
      })
  void rejectsWhatTwoReadersWouldReadDifferentlyAsInvalidJson(String json) {
    EventParser.Outcome outcome = parse(json);

    assertThat(outcome.rejection().reason()).isEqualTo(Reason.INVALID_JSON);
    assertThat(outcome.rejection().detail()).isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "C0 80", // an overlong NUL
        "E0 80 AF", // an overlong slash
        "ED A0 80", // a surrogate written as UTF-8 (CESU-8)
        "F4 90 80 80", // past U+10FFFF
        "F5 80 80 80",
        "80", // a continuation byte alone
        "E2 82", // a sequence cut short
        "FF",
      })
  void rejectsBytesThatAreNotUtf8EvenInsideThePayload(String hex) {
    String[] parts = hex.split(" ");
    byte[] bad = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      bad[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    byte[] head = ("{" + REQUIRED + ",\"note\":\"").getBytes(StandardCharsets.UTF_8);
    byte[] record = new byte[head.length + bad.length + 2];
    System.arraycopy(head, 0, record, 0, head.length);
    System.arraycopy(bad, 0, record, head.length, bad.length);
    record[record.length - 2] = '"';
    record[record.length - 1] = '}';

    EventParser.Outcome outcome = EventParser.parse(record, ARRIVAL);

    assertThat(outcome.rejection().reason()).isEqualTo(Reason.INVALID_JSON);
    assertThat(outcome.rejection().detail())
        .isEqualTo("not UTF-8: byte 0x" + parts[0] + " at offset " + head.length);
  }

  @Test
  void acceptsEveryWellFormedUtf8Sequence() {
    String text = "\u007F\u0080\u07FF\u0800\uD7FF\uE000\uFFFF\uD800\uDC00\uDBFF\uDFFF";

    assertThat(EventParser.firstMalformedUtf8(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    assertThat(parse("{" + REQUIRED + ",\"note\":\"" + text + "\"}").event().payload())
        .isEqualTo("{\"note\":\"" + text + "\"}");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1.711315195E9|1711315195000000",
        "17113151950e-1|1711315195000000",
        "1711315195.0000019|1711315195000001",
        "1711315195.5|1711315195500000",
        // Integers, read as a long up to 18 characters: the range's first second, and the same
        // seconds written with more digits than a long holds, read through BigDecimal.
        "1711315195|1711315195000000",
        "946684800|946684800000000",
        "946684800.000000|946684800000000",
        "9466848000000000000e-10|946684800000000",
      })
  void readsCreatedAtFromTheNumberAsWritten(String seconds, long micros) {
    String record = "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":" + seconds + "}";

    assertThat(parse(record).event().createdAtMicros()).isEqualTo(micros);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "-0",
        "0.0",
        "1e2147483648",
        "-1e2147483648",
        "1e-2147483648",
        "946684799",
        "-946684800",
        "999999999999999999",
        "-99999999999999999",
        "1000000000000000000",
        "-9223372036854775809",
        "123456789012345678901234567890"
      })
  void rejectsCreatedAtOutsideTheRangeHoweverItIsWritten(String seconds) {
    String record = "{\"event_uuid\":\"u\",\"event_name\":\"a\",\"created_at\":" + seconds + "}";

    EventParser.Outcome outcome = parse(record);

    assertThat(outcome.rejection().reason()).isEqualTo(Reason.CREATED_AT_OUT_OF_RANGE);
    assertThat(outcome.rejection().detail()).startsWith("created_at " + seconds + " is outside");
  }
}
