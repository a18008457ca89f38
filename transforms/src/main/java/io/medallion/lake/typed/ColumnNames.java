package io.medallion.lake.typed;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.medallion.lake.layout.PartitionValues;
import java.io.IOException;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.iceberg.types.Types.NestedField;

/**
 * The column of a payload member, and the member of a column. A member's column name is its name
 * folded to {@code [a-z0-9_]} (accents folded, case lowered, every run of other characters one
 * {@code _}, no {@code _} at either end), with {@code _} in front when it starts with a digit
 * ({@code 1st} → {@code _1st}), cut to {@value #MAX_LENGTH} characters with {@code _} and 8 hex
 * digits of the SHA-256 of the folded name when longer. When that name is taken in the member's
 * struct (by a common column at the top, or by a member that came first), it gets {@code _2}, then
 * {@code _3}, ...: the first free one. Who comes first is decided once, when the column is added,
 * and recorded: each column's doc names its member ({@code payload member "Score"}), so a column
 * keeps its member whatever comes later, and the catalog shows both.
 *
 * <p>A member gets no column (its values go to {@code _rescued}) when its name has no letter or
 * digit, or when its doc would exceed {@value #MAX_DOC_BYTES} bytes (Glue's limit on a column's
 * comment, which Iceberg's Glue catalog fills from the doc).
 */
final class ColumnNames {
  /** Column names are cut to this many characters. */
  static final int MAX_LENGTH = 128;

  /** The doc of a payload column: this, then its member's name as a JSON string. */
  static final String DOC_PREFIX = "payload member ";

  /** Glue's limit on a column comment. */
  static final int MAX_DOC_BYTES = 255;

  /** Members in code point order, for the ties the order of columns breaks by name. */
  static final Comparator<String> CODE_POINT_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
      };

  private ColumnNames() {}

  /** The folded name of {@code member}; empty when it has no letter or digit. */
  static Optional<String> fold(String member) {
    String cleaned = PartitionValues.fold(member);
    if (cleaned.isEmpty()) {
      return Optional.empty();
    }
    if (Character.isDigit(cleaned.charAt(0))) {
      cleaned = "_" + cleaned;
    }
    if (cleaned.length() > MAX_LENGTH) {
      cleaned = cleaned.substring(0, MAX_LENGTH - 9) + "_" + PartitionValues.sha256Hex8(cleaned);
    }
    return Optional.of(cleaned);
  }

  /**
   * The column {@code member} gets in a struct whose column names are {@code taken}: its folded
   * name, or the first of {@code _2}, {@code _3}, ... appended to it that is free; empty when the
   * member can have no column.
   */
  static Optional<String> columnFor(String member, Set<String> taken) {
    if (doc(member).isEmpty()) {
      return Optional.empty();
    }
    Optional<String> folded = fold(member);
    if (folded.isEmpty() || !taken.contains(folded.get())) {
      return folded;
    }
    for (int n = 2; ; n++) {
      String suffix = "_" + n;
      String base = folded.get();
      String candidate =
          (base.length() + suffix.length() > MAX_LENGTH
                  ? base.substring(0, MAX_LENGTH - suffix.length())
                  : base)
              + suffix;
      if (!taken.contains(candidate)) {
        return Optional.of(candidate);
      }
    }
  }

  /**
   * The doc of {@code member}'s column: {@value #DOC_PREFIX} and the name as a JSON string in
   * ASCII; empty when longer than {@value #MAX_DOC_BYTES} bytes.
   */
  static Optional<String> doc(String member) {
    String doc = DOC_PREFIX + quote(member, true);
    return doc.length() <= MAX_DOC_BYTES ? Optional.of(doc) : Optional.empty();
  }

  /** The member a payload column holds: the name its doc records, else its own name. */
  static String memberOf(NestedField column) {
    String doc = column.doc();
    if (doc == null || !doc.startsWith(DOC_PREFIX)) {
      return column.name();
    }
    try (JsonParser parser = ValueKind.JSON.createParser(doc.substring(DOC_PREFIX.length()))) {
      if (parser.nextToken() == JsonToken.VALUE_STRING) {
        String member = parser.getText();
        if (parser.nextToken() == null) {
          return member;
        }
      }
      return column.name();
    } catch (IOException e) {
      return column.name(); // a doc edited by hand: the column holds the member of its name
    }
  }

  /**
   * {@code s} as a JSON string literal; with {@code ascii}, every character outside printable ASCII
   * escaped as {@code \}{@code uXXXX}.
   */
  static String quote(String s, boolean ascii) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || (ascii && c > 0x7e)) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
