package io.medallion.lake.uber;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which column of an Uber Movement CSV holds which field. Header names are compared by their
 * snake_case form, so that Uber's Title-Case export ({@code "Range - Lower Bound Travel Time
 * (Seconds)"}) and the snake_case copies in the wild ({@code
 * range_lower_bound_travel_time_seconds}) name the same field; a few known spellings are aliases
 * ({@code TravelDistance (meters)}, {@code Travel Distance (Meters)}). Unknown columns are ignored
 * and listed.
 */
public final class UberHeader implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The fields this table knows, by their snake_case header name. */
  public enum Field {
    ORIGIN_MOVEMENT_ID(true),
    ORIGIN_DISPLAY_NAME(true),
    DESTINATION_MOVEMENT_ID(true),
    DESTINATION_DISPLAY_NAME(true),
    DATE_RANGE(true),
    MEAN_TRAVEL_TIME_SECONDS(true),
    LOWER_BOUND_TRAVEL_TIME_SECONDS(true),
    UPPER_BOUND_TRAVEL_TIME_SECONDS(true),
    TRAVEL_DISTANCE_METERS(false),
    ORIGIN_GEOMETRY(false),
    DESTINATION_GEOMETRY(false),
    DAY_OF_WEEK(false),
    TIME_OF_DAY(false),
    CITY(false);

    private final boolean required;

    Field(boolean required) {
      this.required = required;
    }

    public boolean required() {
      return required;
    }

    /** The snake_case header name, which is also the silver column's name (but for city). */
    public String column() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Map<String, Field> ALIASES =
      Map.of(
          "range_lower_bound_travel_time_seconds", Field.LOWER_BOUND_TRAVEL_TIME_SECONDS,
          "range_upper_bound_travel_time_seconds", Field.UPPER_BOUND_TRAVEL_TIME_SECONDS,
          "traveldistance_meters", Field.TRAVEL_DISTANCE_METERS,
          "travel_distance_m", Field.TRAVEL_DISTANCE_METERS);
  private static final Pattern NOT_WORD = Pattern.compile("[^a-z0-9]+");

  private final List<String> names;
  private final EnumMap<Field, Integer> index;
  private final List<String> ignored;

  private UberHeader(List<String> names, EnumMap<Field, Integer> index, List<String> ignored) {
    this.names = names;
    this.index = index;
    this.ignored = ignored;
  }

  /**
   * {@code "Range - Lower Bound Travel Time (Seconds)"} → {@code range_lower_bound_..._seconds}.
   */
  public static String snakeCase(String headerName) {
    String lower = headerName.replace("\uFEFF", "").strip().toLowerCase(Locale.ROOT);
    String snake = NOT_WORD.matcher(lower).replaceAll("_");
    int start = 0;
    int end = snake.length();
    while (start < end && snake.charAt(start) == '_') {
      start++;
    }
    while (end > start && snake.charAt(end - 1) == '_') {
      end--;
    }
    return snake.substring(start, end);
  }

  /** The field a header name stands for, or null when this table does not know it. */
  public static Field fieldOf(String headerName) {
    String snake = snakeCase(headerName);
    Field alias = ALIASES.get(snake);
    if (alias != null) {
      return alias;
    }
    for (Field field : Field.values()) {
      if (field.column().equals(snake)) {
        return field;
      }
    }
    return null;
  }

  /**
   * Maps a header row.
   *
   * @throws IllegalArgumentException with a one-line reason when a required column is missing or a
   *     field is named twice: the file is of another shape
   */
  public static UberHeader of(List<String> headerNames) {
    EnumMap<Field, Integer> index = new EnumMap<>(Field.class);
    List<String> ignored = new ArrayList<>();
    for (int i = 0; i < headerNames.size(); i++) {
      Field field = fieldOf(headerNames.get(i));
      if (field == null) {
        ignored.add(headerNames.get(i));
      } else if (index.putIfAbsent(field, i) != null) {
        throw new IllegalArgumentException(
            "two columns hold " + field.column() + ": " + quoted(headerNames));
      }
    }
    Set<Field> missing = EnumSet.noneOf(Field.class);
    for (Field field : Field.values()) {
      if (field.required() && !index.containsKey(field)) {
        missing.add(field);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "not an Uber Movement travel-times file: no "
              + missing.stream().map(Field::column).collect(Collectors.joining(", "))
              + " column; the header is "
              + quoted(headerNames));
    }
    return new UberHeader(List.copyOf(headerNames), index, List.copyOf(ignored));
  }

  /** The first few names, quoted: enough to recognise a file without flooding a report. */
  private static String quoted(List<String> names) {
    String shown =
        names.stream().limit(8).map(n -> "\"" + n + "\"").collect(Collectors.joining(","));
    return names.size() <= 8 ? shown : shown + ",... (" + names.size() + " columns)";
  }

  public boolean has(Field field) {
    return index.containsKey(field);
  }

  /** The column of {@code field}, or -1. */
  public int indexOf(Field field) {
    return index.getOrDefault(field, -1);
  }

  /** The header row as given. */
  public List<String> names() {
    return names;
  }

  /** Columns of the file that this table does not keep. */
  public List<String> ignored() {
    return ignored;
  }
}
