package io.medallion.lake.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Validates one raw event record against the contract (DESIGN.md, "Events"): a JSON object with a
 * non-empty {@code event_uuid} (a number is kept as written), an {@code event_name} of non-empty
 * {@code :}-separated parts, and a numeric {@code created_at} in Unix seconds within a sane range.
 * Pure: bytes in, a {@link ParsedEvent} or a {@link Rejection} out, never an exception.
 *
 * <p>Nothing is re-serialised. One streaming pass (Jackson's parser, which checks the whole record,
 * duplicate keys at every depth included) notes where each top-level member starts; the payload is
 * then the other members copied byte for byte, in order, with only the whitespace between tokens
 * left out. Every number ({@code 1E+5}, {@code -0}, {@code 1.50}, 30-digit integers) and every
 * string escape ({@code \ud800}, {@code \u0000}, {@code \/}, {@code \u00e9}) stays as the producer
 * wrote it. The typed columns hold decoded text, so a lone surrogate there, which no UTF-8 column
 * can hold, rejects the record.
 */
public final class EventParser {
  /** Kinesis caps a record at 1 MiB; anything larger did not come from the stream. */
  public static final int MAX_RECORD_BYTES = 1 << 20;

  public static final int MAX_FIELD_LENGTH = 256;

  /** The earliest {@code created_at} accepted: 2000-01-01T00:00:00Z. */
  public static final Instant EARLIEST_CREATED_AT = Instant.parse("2000-01-01T00:00:00Z");

  /** An integer of at most this many characters, sign included, is exact as a {@code long}. */
  private static final int MAX_EXACT_LONG_CHARS = 18;

  /**
   * How far past the end of its arrival hour a {@code created_at} may lie (producer clock skew).
   */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofDays(1);

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          // A payload number is copied, never converted: any length that fits a record is kept.
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNumberLength(MAX_RECORD_BYTES).build())
          .build();

  /** The reasons a record is quarantined; the names are stable and appear in reports. */
  public enum Reason {
    /** No bytes at all. */
    EMPTY_RECORD,
    /** Only spaces, tabs and line breaks (kept by the bronze writer in {@code _unframed/}). */
    BLANK_RECORD,
    /** Bytes of a gzip bronze file that cannot be decoded; given by the reader, not the parser. */
    INVALID_COMPRESSION,
    /** A line of {@code _unframed/} the bronze writer did not write; given by the reader. */
    INVALID_UNFRAMED_LINE,
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
      return name().toLowerCase(Locale.ROOT);
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

  /** One of the three required members: its token, and its text when it is a string or number. */
  private record Member(JsonToken token, String text) {
    boolean missing() {
      return token == null || token == JsonToken.VALUE_NULL;
    }

    String kind() {
      return kindOf(token);
    }
  }

  private EventParser() {}

  /**
   * Validates {@code raw} (one record, exactly as received) for the bronze partition of {@code
   * arrivalHour}.
   */
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
    int malformed = firstMalformedUtf8(raw);
    if (malformed >= 0) {
      return Outcome.reject(
          Reason.INVALID_JSON,
          String.format(
              Locale.ROOT,
              "not UTF-8: byte 0x%02X at offset %d",
              raw[malformed] & 0xFF,
              malformed));
    }
    Member uuid = new Member(null, null);
    Member name = new Member(null, null);
    Member created = new Member(null, null);
    byte[] payload = new byte[raw.length + 2];
    int size = 0;
    try (JsonParser parser = JSON.createParser(raw)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return raw.length > 0 && isBlank(raw)
            ? Outcome.reject(Reason.BLANK_RECORD, "the record is only whitespace")
            : Outcome.reject(Reason.EMPTY_RECORD, "the record has no JSON value");
      }
      if (first != JsonToken.START_OBJECT) {
        parser.skipChildren();
        if (parser.nextToken() != null) {
          return trailing(parser);
        }
        return Outcome.reject(Reason.NOT_AN_OBJECT, "a JSON " + kindOf(first) + ", not an object");
      }
      payload[size++] = '{';
      int memberStart = -1;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        int at = (int) parser.currentTokenLocation().getByteOffset();
        if (memberStart >= 0) {
          size = copyMember(raw, memberStart, at, payload, size);
          memberStart = -1;
        }
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (field) {
          case "event_uuid" -> uuid = member(parser, value);
          case "event_name" -> name = member(parser, value);
          case "created_at" -> created = member(parser, value);
          default -> memberStart = at;
        }
        parser.skipChildren();
      }
      if (memberStart >= 0) {
        int end = (int) parser.currentTokenLocation().getByteOffset();
        size = copyMember(raw, memberStart, end, payload, size);
      }
      payload[size++] = '}';
      if (parser.nextToken() != null) {
        return trailing(parser);
      }
    } catch (JsonProcessingException e) {
      return Outcome.reject(Reason.INVALID_JSON, e.getOriginalMessage());
    } catch (IOException e) {
      return Outcome.reject(Reason.INVALID_JSON, String.valueOf(e.getMessage()));
    }

    if (uuid.missing()) {
      return Outcome.reject(Reason.MISSING_EVENT_UUID, "event_uuid is missing or null");
    }
    if (uuid.text() == null) {
      return Outcome.reject(
          Reason.INVALID_EVENT_UUID, "event_uuid is a " + uuid.kind() + ", not a string");
    }
    if (uuid.text().isBlank() || uuid.text().length() > MAX_FIELD_LENGTH) {
      return Outcome.reject(
          Reason.INVALID_EVENT_UUID,
          "event_uuid must have 1 to " + MAX_FIELD_LENGTH + " characters");
    }
    String uuidProblem = unrepresentable("event_uuid", uuid.text());
    if (uuidProblem != null) {
      return Outcome.reject(Reason.INVALID_EVENT_UUID, uuidProblem);
    }

    if (name.missing()) {
      return Outcome.reject(Reason.MISSING_EVENT_NAME, "event_name is missing or null");
    }
    if (name.token() != JsonToken.VALUE_STRING) {
      return Outcome.reject(
          Reason.INVALID_EVENT_NAME, "event_name is a " + name.kind() + ", not a string");
    }
    String nameProblem = eventNameProblem(name.text());
    if (nameProblem == null) {
      nameProblem = unrepresentable("event_name", name.text());
    }
    if (nameProblem != null) {
      return Outcome.reject(Reason.INVALID_EVENT_NAME, nameProblem);
    }

    if (created.missing()) {
      return Outcome.reject(Reason.MISSING_CREATED_AT, "created_at is missing or null");
    }
    if (created.token() != JsonToken.VALUE_NUMBER_INT
        && created.token() != JsonToken.VALUE_NUMBER_FLOAT) {
      return Outcome.reject(
          Reason.INVALID_CREATED_AT, "created_at is a " + created.kind() + ", not Unix seconds");
    }
    Instant latest = arrivalHour.plus(Duration.ofHours(1)).plus(MAX_CLOCK_SKEW);
    long micros;
    if (created.token() == JsonToken.VALUE_NUMBER_INT
        && created.text().length() <= MAX_EXACT_LONG_CHARS) {
      // Whole seconds, as most producers write them: exact as a long, without a BigDecimal.
      long seconds = Long.parseLong(created.text());
      if (seconds < EARLIEST_CREATED_AT.getEpochSecond() || seconds >= latest.getEpochSecond()) {
        return outOfRange(created.text(), latest);
      }
      micros = seconds * 1_000_000L;
    } else {
      BigDecimal seconds;
      try {
        seconds = new BigDecimal(created.text());
      } catch (NumberFormatException e) {
        // Only an exponent beyond what BigDecimal holds (1e2147483648) gets here.
        return outOfRange(created.text(), latest);
      }
      if (seconds.compareTo(BigDecimal.valueOf(EARLIEST_CREATED_AT.getEpochSecond())) < 0
          || seconds.compareTo(BigDecimal.valueOf(latest.getEpochSecond())) >= 0) {
        return outOfRange(created.text(), latest);
      }
      micros = seconds.movePointRight(6).setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    return Outcome.ok(
        new ParsedEvent(
            arrivalHour,
            uuid.text(),
            name.text(),
            micros,
            new String(payload, 0, size, StandardCharsets.UTF_8)));
  }

  private static boolean isBlank(byte[] raw) {
    for (byte b : raw) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private static Member member(JsonParser parser, JsonToken value) throws IOException {
    boolean text =
        value == JsonToken.VALUE_STRING
            || value == JsonToken.VALUE_NUMBER_INT
            || value == JsonToken.VALUE_NUMBER_FLOAT;
    // For a number, getText() is the number exactly as written.
    return new Member(value, text ? parser.getText() : null);
  }

  private static Outcome trailing(JsonParser parser) {
    return Outcome.reject(
        Reason.INVALID_JSON,
        "more than one JSON value: another starts at byte "
            + parser.currentTokenLocation().getByteOffset());
  }

  private static Outcome outOfRange(String seconds, Instant latest) {
    return Outcome.reject(
        Reason.CREATED_AT_OUT_OF_RANGE,
        "created_at " + seconds + " is outside [" + EARLIEST_CREATED_AT + ", " + latest + ")");
  }

  /**
   * Appends the member {@code raw[from, to)} (a name, its value, maybe a comma and whitespace) to
   * {@code out}, after a comma when it is not the first, without the whitespace between tokens.
   * Returns the new size of {@code out}.
   */
  private static int copyMember(byte[] raw, int from, int to, byte[] out, int size) {
    int n = size;
    if (n > 1) {
      out[n++] = ',';
    }
    boolean inString = false;
    boolean escape = false;
    for (int i = from; i < to; i++) {
      byte b = raw[i];
      if (inString) {
        if (escape) {
          escape = false;
        } else if (b == '\\') {
          escape = true;
        } else if (b == '"') {
          inString = false;
        }
        out[n++] = b;
      } else if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        inString = b == '"';
        out[n++] = b;
      }
    }
    // The slice ends at the next member's name: drop the comma that separated them.
    return out[n - 1] == ',' ? n - 1 : n;
  }

  /** The JSON type of a value token, as a person would name it. */
  private static String kindOf(JsonToken token) {
    return switch (token) {
      case START_OBJECT -> "OBJECT";
      case START_ARRAY -> "ARRAY";
      case VALUE_STRING -> "STRING";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
      case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
      case VALUE_NULL -> "NULL";
      default -> String.valueOf(token);
    };
  }

  /**
   * Null when {@code text} can be written as UTF-8 exactly; otherwise why not. A JSON escape can
   * name half a surrogate pair ({@code "\ud800"}), which is no character: UTF-8 encoders write it
   * as {@code ?}.
   */
  static String unrepresentable(String field, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return String.format(
            Locale.ROOT,
            "%s has a lone surrogate \\u%04x at character %d, which UTF-8 cannot hold",
            field,
            (int) c,
            i);
      }
    }
    return null;
  }

  /**
   * The index of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates,
   * nothing past U+10FFFF), or -1. Jackson skips string contents without checking them all.
   */
  static int firstMalformedUtf8(byte[] bytes) {
    int i = 0;
    while (i < bytes.length) {
      int b = bytes[i] & 0xFF;
      if (b < 0x80) {
        i++;
        continue;
      }
      int length;
      int min = 0x80;
      int max = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        length = 2;
      } else if (b >= 0xE0 && b <= 0xEF) {
        length = 3;
        if (b == 0xE0) {
          min = 0xA0;
        } else if (b == 0xED) {
          max = 0x9F;
        }
      } else if (b >= 0xF0 && b <= 0xF4) {
        length = 4;
        if (b == 0xF0) {
          min = 0x90;
        } else if (b == 0xF4) {
          max = 0x8F;
        }
      } else {
        return i;
      }
      for (int k = 1; k < length; k++) {
        if (i + k >= bytes.length) {
          return i;
        }
        int c = bytes[i + k] & 0xFF;
        if (c < (k == 1 ? min : 0x80) || c > (k == 1 ? max : 0xBF)) {
          return i;
        }
      }
      i += length;
    }
    return -1;
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
