package io.medallion.lake.typed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.medallion.lake.events.EventParser;
import java.io.IOException;

/**
 * What a JSON value is, as far as a typed column cares: the kinds {@link PayloadTypes} counts and
 * {@link TypedRows} judges a value by. Integers are told apart by the columns that hold them
 * exactly: a {@code bigint} holds up to {@link #INT64}, a {@code double} up to {@link #INT53}.
 * Judged on the literal as written: {@code 5.0} and {@code 1E+2} are {@link #DOUBLE}, {@code -0} is
 * {@link #INT32}.
 */
enum ValueKind {
  NULL,
  BOOLEAN,
  /** An integer that fits an {@code int}. */
  INT32,
  /** An integer beyond {@code int} that a {@code double} holds exactly (up to 2^53). */
  INT53,
  /** An integer beyond 2^53 that fits a {@code bigint}. */
  INT64,
  /** An integer beyond {@code bigint}: no column type holds it. */
  BIG_INTEGER,
  /** A number written with a fraction or an exponent, finite as a {@code double}. */
  DOUBLE,
  /** A number a {@code double} cannot hold ({@code 1e400}). */
  DOUBLE_OUT_OF_RANGE,
  STRING,
  OBJECT,
  ARRAY;

  static final int COUNT = values().length;
  private static final ValueKind[] VALUES = values();
  private static final long MAX_EXACT_DOUBLE = 1L << 53;

  /**
   * The parser payloads are read with: a payload keeps any number a record could carry (silver
   * accepts numbers as long as a record), so the number length is not capped at Jackson's default.
   */
  static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNumberLength(EventParser.MAX_RECORD_BYTES).build())
          .build();

  static ValueKind of(int ordinal) {
    return VALUES[ordinal];
  }

  /**
   * The kind of the value {@code token} starts, the parser on it. Reads a number's value (an
   * integer by its digits first, so a 30-digit literal is never parsed), never a string's.
   */
  static ValueKind of(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case VALUE_NULL -> NULL;
      case VALUE_TRUE, VALUE_FALSE -> BOOLEAN;
      case VALUE_STRING -> STRING;
      case START_OBJECT -> OBJECT;
      case START_ARRAY -> ARRAY;
      case VALUE_NUMBER_INT -> ofInteger(parser);
      case VALUE_NUMBER_FLOAT ->
          Double.isFinite(parser.getDoubleValue()) ? DOUBLE : DOUBLE_OUT_OF_RANGE;
      default -> throw new IllegalStateException("not a value: " + token);
    };
  }

  private static ValueKind ofInteger(JsonParser parser) throws IOException {
    int digits = parser.getTextLength();
    if (parser.getTextCharacters()[parser.getTextOffset()] == '-') {
      digits--;
    }
    if (digits > 19) {
      return BIG_INTEGER;
    }
    JsonParser.NumberType type = parser.getNumberType();
    if (type == JsonParser.NumberType.INT) {
      return INT32;
    }
    if (type == JsonParser.NumberType.BIG_INTEGER) {
      return BIG_INTEGER;
    }
    long value = parser.getLongValue();
    return value >= -MAX_EXACT_DOUBLE && value <= MAX_EXACT_DOUBLE ? INT53 : INT64;
  }

  /** Whether a value of this kind decides nothing about a column's type. */
  boolean typeless() {
    return this == NULL || this == BIG_INTEGER || this == DOUBLE_OUT_OF_RANGE;
  }

  boolean isNumber() {
    return this == INT32 || this == INT53 || this == INT64 || this == DOUBLE;
  }
}
