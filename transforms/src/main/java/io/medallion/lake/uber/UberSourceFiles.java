package io.medallion.lake.uber;

import io.medallion.lake.layout.PartitionValues;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the name of a dropped file tells: the city it covers and the stable id its outputs and
 * report are named after. A source is identified by its file name, not its folder: the same name
 * dropped again is a new version of the same source and replaces its rows.
 */
public final class UberSourceFiles {
  /**
   * {@code Travel_Times - Bogota} (Uber's download name) or {@code travel_times_paris}; the city is
   * what follows.
   */
  private static final Pattern CITY_IN_NAME =
      Pattern.compile(
          "\\s*travel[ _-]?times?(?:\\s*-\\s*|[ _]+)(.*\\S.*)", Pattern.CASE_INSENSITIVE);

  private static final Pattern EXTENSION = Pattern.compile("(?i)\\.csv$");

  private UberSourceFiles() {}

  /** The file name without its folder and without {@code .csv}. */
  public static String stem(String fileName) {
    int slash = fileName.lastIndexOf('/');
    String name = slash < 0 ? fileName : fileName.substring(slash + 1);
    return EXTENSION.matcher(name).replaceFirst("");
  }

  /**
   * The normalised city in a file name ({@code Travel_Times - Bogota.csv} → {@code bogota}, {@code
   * travel_times_johannesburg_and_pretoria.csv} → {@code johannesburg_and_pretoria}), or null when
   * the name does not follow either pattern.
   */
  public static String cityOf(String fileName) {
    Matcher m = CITY_IN_NAME.matcher(stem(fileName));
    return m.matches() ? PartitionValues.normalise(m.group(1).strip()) : null;
  }

  /**
   * {@code <normalised stem>-<8 hex digits of the name's SHA-256>}: safe in any path, and distinct
   * for two names that normalise alike ({@code Travel_Times - Paris.csv}, {@code
   * travel_times_paris.csv}).
   */
  public static String sourceId(String fileName) {
    int slash = fileName.lastIndexOf('/');
    String name = slash < 0 ? fileName : fileName.substring(slash + 1);
    String hash = HexFormat.of().formatHex(sha256(name.getBytes(StandardCharsets.UTF_8)), 0, 4);
    String stem = PartitionValues.normalise(stem(name));
    if (stem.length() > 48) {
      stem = stem.substring(0, 48);
    }
    return stem + "-" + hash;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
