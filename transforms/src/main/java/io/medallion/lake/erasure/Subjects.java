package io.medallion.lake.erasure;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The data subjects of an erasure request: a top-level event field ({@code user_id}) and the values
 * that identify them. Decides whether a record is theirs:
 *
 * <ul>
 *   <li>a record that parses is theirs when its top-level {@code field} holds one of the values: a
 *       JSON string whose decoded text equals it, or a JSON number written exactly as it ({@code
 *       --value=42} matches {@code "user_id":42}, not {@code 42.0});
 *   <li>a record that does not parse (malformed, quarantined, undecodable) is theirs when its raw
 *       bytes hold one of the values as a JSON string token ({@code "u-42"}, in any of its JSON
 *       escapings the lake's producers write: as given, or with {@code /} escaped), so nothing is
 *       kept because it was broken.
 * </ul>
 *
 * <p>The values never leave the request: receipts and logs name a subject by {@link #sha256}.
 */
public final class Subjects implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory JSON = new JsonFactory();

  private final String field;
  private final TreeSet<String> values;
  // The UTF-8 bytes of each value's JSON string tokens (quotes included), for the raw match.
  private final List<byte[]> tokens;

  /**
   * @param field a top-level field of an event's JSON ({@code user_id}, {@code device_id}, {@code
   *     event_uuid})
   * @param values the values that identify the subjects, at least one, none empty
   * @throws IllegalArgumentException for a blank field, no value, or an empty value
   */
  public Subjects(String field, Set<String> values) {
    if (field == null || field.isBlank()) {
      throw new IllegalArgumentException("an erasure needs --field, the top-level field to match");
    }
    if (values.isEmpty()) {
      throw new IllegalArgumentException("an erasure needs at least one --value or --valuesFile");
    }
    for (String value : values) {
      if (value.isEmpty()) {
        throw new IllegalArgumentException("an empty --value would match every record");
      }
    }
    this.field = field;
    this.values = new TreeSet<>(values);
    this.tokens = new ArrayList<>();
    for (String value : this.values) {
      String escaped = new String(JsonStringEncoder.getInstance().quoteAsString(value));
      addToken(escaped);
      addToken(escaped.replace("/", "\\/"));
    }
  }

  private void addToken(String escaped) {
    byte[] token = ('"' + escaped + '"').getBytes(StandardCharsets.UTF_8);
    for (byte[] t : tokens) {
      if (java.util.Arrays.equals(t, token)) {
        return;
      }
    }
    tokens.add(token);
  }

  /** The top-level field matched. */
  public String field() {
    return field;
  }

  /** The values, sorted. */
  public SortedSet<String> values() {
    return java.util.Collections.unmodifiableSortedSet(values);
  }

  /** Whether {@code value}, a field's text (a string decoded, a number as written), is theirs. */
  public boolean matchesValue(String value) {
    return value != null && values.contains(value);
  }

  /**
   * Whether the JSON object {@code json} (a whole record, or silver's {@code payload}) has the
   * field at its top level with one of the values, as far as it reads: a record that breaks after
   * the field still matches, one that is no object or breaks before it does not. Judge a record
   * that does not parse with {@link #matchesRaw} as well.
   */
  public boolean matchesObject(String json) {
    if (json == null || !mayHold(json)) {
      return false;
    }
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals(field)
            && (value == JsonToken.VALUE_STRING
                || value == JsonToken.VALUE_NUMBER_INT
                || value == JsonToken.VALUE_NUMBER_FLOAT)
            && values.contains(parser.getText())) {
          return true;
        }
        parser.skipChildren();
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  // A cheap test before parsing: the value's text occurs somewhere (a number's digits, or a
  // string's, unless escaped beyond recognition, which the parse then settles).
  private boolean mayHold(String json) {
    if (json.indexOf('\\') >= 0) {
      return true;
    }
    for (String value : values) {
      if (json.contains(value)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code raw} holds one of the values as a JSON string token. */
  public boolean matchesRaw(byte[] raw) {
    for (byte[] token : tokens) {
      if (indexOf(raw, token) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Where {@code needle} first occurs in {@code haystack}, or -1. */
  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The SHA-256 of {@code value}'s UTF-8 bytes, lower-case hex: how receipts name a subject. */
  public static String sha256(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
