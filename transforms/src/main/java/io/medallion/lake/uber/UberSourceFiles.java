package io.medallion.lake.uber;

import io.medallion.lake.layout.PartitionValues;
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
}
