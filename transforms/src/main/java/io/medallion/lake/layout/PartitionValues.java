package io.medallion.lake.layout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
    String cleaned = fold(value);
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
   * {@code value} with its accents folded, in lower case, every run of characters other than {@code
   * [a-z0-9_]} one {@code _}, and no {@code _} at either end: empty when it has no letter or digit.
   * Partition values, typed table names and typed column names are folded alike.
   */
  public static String fold(String value) {
    String folded =
        COMBINING_MARKS
            .matcher(Normalizer.normalize(value, Normalizer.Form.NFKD))
            .replaceAll("")
            .toLowerCase(Locale.ROOT);
    return trimUnderscores(NOT_ALLOWED.matcher(folded).replaceAll("_"));
  }

  /** The first 8 hex digits of the SHA-256 of {@code value}'s UTF-8 bytes. */
  public static String sha256Hex8(String value) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
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

  /**
   * {@code <normalised stem>-<8 hex digits of the name's SHA-256>} of a dropped file's name (the
   * folder and a {@code .csv} extension left out): safe in any path, and distinct for two names
   * that normalise alike ({@code Travel_Times - Paris.csv}, {@code travel_times_paris.csv}). A
   * file-drop unit is named by it.
   */
  public static String sourceId(String fileName) {
    int slash = fileName.lastIndexOf('/');
    String name = slash < 0 ? fileName : fileName.substring(slash + 1);
    String stem = normalise(name.replaceFirst("(?i)\\.csv$", ""));
    if (stem.length() > 48) {
      stem = stem.substring(0, 48);
    }
    return stem + "-" + sha256Hex8(name);
  }
}
