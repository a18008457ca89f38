package io.medallion.lake.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * Validates one raw event record against the contract (DESIGN.md, "Events"): a JSON object with a
 * non-empty {@code event_uuid} (a number is kept as its decimal text), an {@code event_name} of
 * non-empty {@code :}-separated parts, and a numeric {@code created_at} in Unix seconds within a
 * sane range. Pure: bytes in, a {@link ParsedEvent} or a {@link Rejection} out, never an exception.
 */
public final class EventParser {
  /** Kinesis caps a record at 1 MiB; anything larger did not come from the stream. */
  public static final int MAX_RECORD_BYTES = 1 << 20;

  public static final int MAX_FIELD_LENGTH = 256;

  /** The earliest {@code created_at} accepted: 2000-01-01T00:00:00Z. */
  public static final Instant EARLIEST_CREATED_AT = Instant.parse("2000-01-01T00:00:00Z");

  /**
   * How far past the end of its arrival hour a {@code created_at} may lie (producer clock skew).
   */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofDays(1);

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          // Keep numbers as written (1.50 stays 1.50): the payload is kept as is.
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

  /** The reasons a record is quarantined; the names are stable and appear in reports. */
  public enum Reason {
    EMPTY_RECORD,
    RECORD_TOO_LARGE,
    INVALID_JSON,
    NOT_AN_OBJECT,
    MISSING_EVENT_UUID,
    INVALID_EVENT_UUID,
    MISSING_EVENT_NAME,
    INVALID_EVENT_NAME,
    MISSING_CREATED_AT,
    INVALID_CREATED_AT,
    CREATED_AT_OUT_OF_RANGE;

    /** The reason as it appears in quarantine records and reports, e.g. {@code invalid_json}. */
    public String code() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Why a record was rejected, with a detail a person can act on. */
  public record Rejection(Reason reason, String detail) {}

  /** Either {@link #event()} or {@link #rejection()} is set. */
  public record Outcome(ParsedEvent event, Rejection rejection) {
    static Outcome ok(ParsedEvent e) {
      return new Outcome(e, null);
    }

    static Outcome reject(Reason reason, String detail) {
      return new Outcome(null, new Rejection(reason, detail));
    }

    public boolean isValid() {
      return event != null;
    }
  }

  private EventParser() {}

  public static Outcome parse(byte[] raw, Instant arrivalHour) {
    try {
      return validate(raw, arrivalHour);
    } catch (RuntimeException e) {
      // A record must never fail the pipeline; whatever slipped past the checks is quarantined.
      return Outcome.reject(Reason.INVALID_JSON, "unreadable record: " + e);
    }
  }

  private static Outcome validate(byte[] raw, Instant arrivalHour) {
    if (raw.length > MAX_RECORD_BYTES) {
      return Outcome.reject(Reason.RECORD_TOO_LARGE, raw.length + " bytes, the limit is 1 MiB");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(raw);
    } catch (JsonProcessingException e) {
      return Outcome.reject(Reason.INVALID_JSON, e.getOriginalMessage());
    } catch (IOException e) {
      return Outcome.reject(Reason.INVALID_JSON, String.valueOf(e.getMessage()));
    }
    if (node == null || node.isMissingNode()) {
      return Outcome.reject(Reason.EMPTY_RECORD, "the record has no JSON value");
    }
    if (!(node instanceof ObjectNode object)) {
      return Outcome.reject(
          Reason.NOT_AN_OBJECT, "a JSON " + node.getNodeType() + ", not an object");
    }

    JsonNode uuidNode = object.remove("event_uuid");
    if (uuidNode == null || uuidNode.isNull()) {
      return Outcome.reject(Reason.MISSING_EVENT_UUID, "event_uuid is missing or null");
    }
    String uuid;
    if (uuidNode.isTextual()) {
      uuid = uuidNode.textValue();
    } else if (uuidNode.isIntegralNumber()) {
      uuid = uuidNode.bigIntegerValue().toString();
    } else if (uuidNode.isNumber() && isFinite(uuidNode)) {
      uuid = uuidNode.decimalValue().toPlainString();
    } else {
      return Outcome.reject(
          Reason.INVALID_EVENT_UUID,
          "event_uuid is a " + uuidNode.getNodeType() + ", not a string");
    }
    if (uuid.isBlank() || uuid.length() > MAX_FIELD_LENGTH) {
      return Outcome.reject(
          Reason.INVALID_EVENT_UUID,
          "event_uuid must have 1 to " + MAX_FIELD_LENGTH + " characters");
    }

    JsonNode nameNode = object.remove("event_name");
    if (nameNode == null || nameNode.isNull()) {
      return Outcome.reject(Reason.MISSING_EVENT_NAME, "event_name is missing or null");
    }
    if (!nameNode.isTextual()) {
      return Outcome.reject(
          Reason.INVALID_EVENT_NAME,
          "event_name is a " + nameNode.getNodeType() + ", not a string");
    }
    String name = nameNode.textValue();
    String nameProblem = eventNameProblem(name);
    if (nameProblem != null) {
      return Outcome.reject(Reason.INVALID_EVENT_NAME, nameProblem);
    }

    JsonNode createdNode = object.remove("created_at");
    if (createdNode == null || createdNode.isNull()) {
      return Outcome.reject(Reason.MISSING_CREATED_AT, "created_at is missing or null");
    }
    if (!createdNode.isNumber()) {
      return Outcome.reject(
          Reason.INVALID_CREATED_AT,
          "created_at is a " + createdNode.getNodeType() + ", not Unix seconds");
    }
    Instant latest = arrivalHour.plus(Duration.ofHours(1)).plus(MAX_CLOCK_SKEW);
    if (!isFinite(createdNode)) {
      return Outcome.reject(
          Reason.CREATED_AT_OUT_OF_RANGE, "created_at " + createdNode + " is not a finite number");
    }
    BigDecimal seconds = createdNode.decimalValue();
    if (seconds.compareTo(BigDecimal.valueOf(EARLIEST_CREATED_AT.getEpochSecond())) < 0
        || seconds.compareTo(BigDecimal.valueOf(latest.getEpochSecond())) >= 0) {
      return Outcome.reject(
          Reason.CREATED_AT_OUT_OF_RANGE,
          "created_at "
              + seconds.toPlainString()
              + " is outside ["
              + EARLIEST_CREATED_AT
              + ", "
              + latest
              + ")");
    }
    long micros = seconds.movePointRight(6).setScale(0, RoundingMode.FLOOR).longValueExact();

    return Outcome.ok(new ParsedEvent(arrivalHour, uuid, name, micros, object.toString()));
  }

  /** Jackson reads a number too large for a double (1e400) as an infinite double. */
  private static boolean isFinite(JsonNode number) {
    return !(number.isDouble() || number.isFloat()) || Double.isFinite(number.doubleValue());
  }

  /** Null when {@code name} is one or more non-blank parts separated by {@code :}. */
  static String eventNameProblem(String name) {
    if (name.isEmpty() || name.length() > MAX_FIELD_LENGTH) {
      return "event_name must have 1 to " + MAX_FIELD_LENGTH + " characters";
    }
    int start = 0;
    while (start <= name.length()) {
      int end = name.indexOf(':', start);
      if (end < 0) {
        end = name.length();
      }
      if (name.substring(start, end).isBlank()) {
        return "event_name '" + name + "' has an empty part";
      }
      start = end + 1;
    }
    return null;
  }
}
