package io.medallion.lake.erasure;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Whether one record of a lake file is a data subject's, by the kind of file it is in. The rules
 * (DESIGN.md, "Erasure"):
 *
 * <ul>
 *   <li>{@link Kind#BRONZE}: a record that is one well-formed JSON object matches on its top-level
 *       field ({@link Subjects#matchesObject}); any other record (malformed, truncated, not an
 *       object, not UTF-8) when its bytes hold a value as a JSON string token ({@link
 *       Subjects#matchesRaw});
 *   <li>{@link Kind#UNFRAMED}: a line of an {@code _unframed/} file matches when the bytes its
 *       {@code raw_base64} decodes to, or the line's own bytes, hold a value as a token (the
 *       records there are never JSON objects: empty, blank, or a line break in non-JSON);
 *   <li>{@link Kind#QUARANTINE}: a quarantine line matches when its record ({@code raw}, or {@code
 *       raw_base64} decoded) matches as a bronze record does, or, for a record that is itself an
 *       {@code _unframed/} line (quarantined as {@code invalid_unframed_line}), as that line does;
 *       or when the line's own bytes hold a value as a token.
 * </ul>
 */
public final class SubjectRecords {
  /** The kinds of lake files an erasure rewrites record by record. */
  public enum Kind {
    /** A bronze file directly in an arrival hour's folder (or any file under bronze but these). */
    BRONZE,
    /** A file of an arrival hour's {@code _unframed/} folder: base64 lines. */
    UNFRAMED,
    /** A quarantine file: one JSON line per rejected record. */
    QUARANTINE
  }

  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String RAW = "raw";
  private static final String RAW_BASE64 = "raw_base64";

  private final Subjects subjects;
  private final Kind kind;
  // Each value's UTF-8 bytes: a bronze record holding none of them, and no escape, is not theirs.
  private final byte[][] values;

  private SubjectRecords(Subjects subjects, Kind kind) {
    this.subjects = subjects;
    this.kind = kind;
    this.values =
        subjects.values().stream()
            .map(v -> v.getBytes(StandardCharsets.UTF_8))
            .toArray(byte[][]::new);
  }

  /** How the records of a file of {@code kind} are judged for {@code subjects}. */
  public static SubjectRecords of(Subjects subjects, Kind kind) {
    return new SubjectRecords(subjects, kind);
  }

  /** Whether {@code record}, exactly as stored in a file of this kind, is the subjects'. */
  public boolean matches(byte[] record) {
    return switch (kind) {
      case BRONZE -> mayHold(record) && matchesRecord(subjects, record);
      case UNFRAMED -> matchesUnframedLine(subjects, record);
      case QUARANTINE -> matchesQuarantineLine(subjects, record);
    };
  }

  /**
   * Whether a raw record may be theirs at all: a field's text or a string token of a value shows
   * its bytes as they are, unless something in it is escaped, which takes a backslash. Most records
   * are judged by this search alone, without being parsed.
   */
  private boolean mayHold(byte[] record) {
    for (byte b : record) {
      if (b == '\\') {
        return true;
      }
    }
    for (byte[] value : values) {
      if (Subjects.indexOf(record, value) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** A raw record: one JSON object matches on its field; anything else on its bytes. */
  static boolean matchesRecord(Subjects subjects, byte[] record) {
    return isOneObject(record)
        ? subjects.matchesObject(new String(record, StandardCharsets.UTF_8))
        : subjects.matchesRaw(record);
  }

  private static boolean matchesUnframedLine(Subjects subjects, byte[] line) {
    if (subjects.matchesRaw(line)) {
      return true;
    }
    byte[] embedded = decodedRawBase64(line);
    return embedded != null && subjects.matchesRaw(embedded);
  }

  private static boolean matchesQuarantineLine(Subjects subjects, byte[] line) {
    if (subjects.matchesRaw(line)) {
      return true;
    }
    byte[] record = quarantinedRecord(line);
    if (record == null) {
      return false;
    }
    // An _unframed/ line quarantined whole carries the subject's bytes in base64.
    byte[] embedded = decodedRawBase64(record);
    return matchesRecord(subjects, record) || (embedded != null && subjects.matchesRaw(embedded));
  }

  /** The record a quarantine line holds ({@code raw}, or {@code raw_base64} decoded), or null. */
  static byte[] quarantinedRecord(byte[] line) {
    JsonNode node = objectOf(line);
    if (node == null) {
      return null;
    }
    if (node.path(RAW).isTextual()) {
      return node.get(RAW).textValue().getBytes(StandardCharsets.UTF_8);
    }
    return base64(node.path(RAW_BASE64));
  }

  /** The bytes an object's {@code raw_base64} member decodes to, or null. */
  private static byte[] decodedRawBase64(byte[] json) {
    JsonNode node = objectOf(json);
    return node == null ? null : base64(node.path(RAW_BASE64));
  }

  private static byte[] base64(JsonNode value) {
    if (!value.isTextual()) {
      return null;
    }
    try {
      return Base64.getMimeDecoder().decode(value.textValue());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static JsonNode objectOf(byte[] json) {
    if (!isOneObject(json)) {
      return null;
    }
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      return null;
    }
  }

  /** True when {@code bytes} are exactly one well-formed JSON object, whitespace around it. */
  static boolean isOneObject(byte[] bytes) {
    try (JsonParser parser = JSON.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
