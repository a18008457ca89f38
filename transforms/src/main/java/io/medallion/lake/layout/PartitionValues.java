package io.medallion.lake.layout;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a value that comes from data (an event type, a city) into a partition value matching {@code
 * [a-z0-9_]+}, so that nothing a record contains can move a file outside its table's folder.
 *
 * <p>Accents are folded ({@code Bogotá} → {@code bogota}), case is lowered, every run of other
 * characters becomes one {@code _}, and leading or trailing {@code _} are dropped. A value with no
 * letter or digit left (say {@code "事件"}) becomes {@code x_} and the hex of its UTF-8 bytes, so two
 * such values never share a partition; an empty value becomes {@code x_empty}. Long values are cut
 * to {@value #MAX_LENGTH} characters.
 */
public final class PartitionValues {
  public static final int MAX_LENGTH = 64;
  private static final Pattern COMBINING_MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^a-z0-9_]+");

  private PartitionValues() {}

  public static String normalise(String value) {
    if (isNormalised(value)) {
      return value; // the common case: already a clean, short, lower-case identifier
    }
    String folded =
        COMBINING_MARKS
            .matcher(Normalizer.normalize(value, Normalizer.Form.NFKD))
            .replaceAll("")
            .toLowerCase(Locale.ROOT);
    String cleaned = trimUnderscores(NOT_ALLOWED.matcher(folded).replaceAll("_"));
    if (cleaned.isEmpty()) {
      cleaned =
          value.isEmpty()
              ? "x_empty"
              : "x_" + HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8));
    }
    // Cut, then trim again: a cut can end on an underscore, and the result must be normalised.
    return cleaned.length() <= MAX_LENGTH
        ? cleaned
        : trimUnderscores(cleaned.substring(0, MAX_LENGTH));
  }

  /**
   * Whether {@code value} is already a partition value: 1 to {@value #MAX_LENGTH} characters of
   * {@code [a-z0-9_]}, neither starting nor ending with {@code _}. Called for every row (silver
   * normalises each event type, gold checks it again), hence a loop rather than a regex.
   */
  public static boolean isNormalised(String value) {
    int n = value.length();
    if (n == 0 || n > MAX_LENGTH || value.charAt(0) == '_' || value.charAt(n - 1) == '_') {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }

  private static String trimUnderscores(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '_') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '_') {
      end--;
    }
    return s.substring(start, end);
  }
}
