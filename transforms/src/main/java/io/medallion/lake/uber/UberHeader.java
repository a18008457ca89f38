package io.medallion.lake.uber;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which column of an Uber Movement CSV holds which field. Header names are compared by their
 * snake_case form, so that Uber's Title-Case export ({@code "Range - Lower Bound Travel Time
 * (Seconds)"}) and the snake_case copies in the wild ({@code
 * range_lower_bound_travel_time_seconds}) name the same field; a few known spellings are aliases
 * ({@code TravelDistance (meters)}, {@code Travel Distance (Meters)}). Unknown columns are ignored
 * and listed.
 *
 * <p>A file holds one or more {@link TravelTimes} groups (mean, lower and upper bound): the plain
 * one ({@code Mean Travel Time (Seconds)}...) of the travel-times, day-of-week and time-of-day
 * exports, or one per period of the Daily export ({@code Daily Mean Travel Time (Seconds)}, {@code
 * AM Mean Travel Time (Seconds)}, ... {@code Early Morning ...}). Its dates are a {@code Date
 * Range} or, in the Daily export, one day ({@code Date}).
 */
public final class UberHeader implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The {@code time_of_day} of the Daily export's whole-day group: what Uber's time-of-day export
   * calls its whole-day row, and the aggregation its date ranges name ({@code ..., Daily Average}).
   */
  public static final String WHOLE_DAY = "Daily Average";

  /**
   * The Daily export's periods: the snake_case prefix of a group's columns and the {@code
   * time_of_day} of its rows, in Uber's own words. Known prefixes only, so that another measure
   * with a prefix ({@code Geometric Mean Travel Time (Seconds)}) stays an ignored column.
   */
  private static final Map<String, String> PERIODS = new LinkedHashMap<>();

  static {
    PERIODS.put("daily", WHOLE_DAY);
    PERIODS.put("am", "AM");
    PERIODS.put("pm", "PM");
    PERIODS.put("midday", "Midday");
    PERIODS.put("evening", "Evening");
    PERIODS.put("early_morning", "Early Morning");
  }

  private static final Pattern PERIOD_COLUMN =
      Pattern.compile(
          "("
              + String.join("|", PERIODS.keySet())
              + ")_(mean|(?:range_)?lower_bound|(?:range_)?upper_bound)_travel_time_seconds");

  /** The fields this table knows, by their snake_case header name. */
  public enum Field {
    ORIGIN_MOVEMENT_ID(true),
    ORIGIN_DISPLAY_NAME(true),
    DESTINATION_MOVEMENT_ID(true),
    DESTINATION_DISPLAY_NAME(true),
    /** A file has this or {@link #DATE}. */
    DATE_RANGE(false),
    /** One day, in the Daily export; not a silver column (it becomes the date range). */
    DATE(false),
    /** The plain travel-time group: all three, or none when the file has per-period groups. */
    MEAN_TRAVEL_TIME_SECONDS(false),
    LOWER_BOUND_TRAVEL_TIME_SECONDS(false),
    UPPER_BOUND_TRAVEL_TIME_SECONDS(false),
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

    /** Whether every file has it; the date and the travel times are checked as groups. */
    public boolean required() {
      return required;
    }

    /** The snake_case header name, which is also the silver column's name (but for city, date). */
    public String column() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The columns of one mean, lower bound, upper bound group.
   *
   * @param period the {@code time_of_day} of its rows ({@code AM}, {@link #WHOLE_DAY}...), or null
   *     for the plain group, whose rows take the row's own {@code Time Of Day} cell
   */
  public record TravelTimes(String period, int mean, int lower, int upper) implements Serializable {
    private static final long serialVersionUID = 1L;
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
  private final List<TravelTimes> travelTimes;
  private final List<String> ignored;

  private UberHeader(
      List<String> names,
      EnumMap<Field, Integer> index,
      List<TravelTimes> travelTimes,
      List<String> ignored) {
    this.names = names;
    this.index = index;
    this.travelTimes = travelTimes;
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
   * @throws IllegalArgumentException with a one-line reason when the file is of another shape: a
   *     required column is missing, a field is named twice, a travel-time group lacks one of its
   *     three columns, or both a date range and a date, or both a {@code Time Of Day} column and
   *     per-period groups, say when a row was measured
   */
  public static UberHeader of(List<String> headerNames) {
    EnumMap<Field, Integer> index = new EnumMap<>(Field.class);
    Map<String, int[]> periods = new LinkedHashMap<>();
    List<String> ignored = new ArrayList<>();
    for (int i = 0; i < headerNames.size(); i++) {
      Field field = fieldOf(headerNames.get(i));
      Matcher period = PERIOD_COLUMN.matcher(snakeCase(headerNames.get(i)));
      if (field != null) {
        if (index.putIfAbsent(field, i) != null) {
          throw anotherShape("two columns hold " + field.column(), headerNames);
        }
      } else if (period.matches()) {
        int[] columns = periods.computeIfAbsent(period.group(1), p -> new int[] {-1, -1, -1});
        int measure = measure(period.group(2));
        if (columns[measure] >= 0) {
          throw anotherShape("two columns hold " + snakeCase(headerNames.get(i)), headerNames);
        }
        columns[measure] = i;
      } else {
        ignored.add(headerNames.get(i));
      }
    }

    List<String> missing = new ArrayList<>();
    for (Field field : Field.values()) {
      if (field.required() && !index.containsKey(field)) {
        missing.add(field.column());
      }
    }
    if (!index.containsKey(Field.DATE_RANGE) && !index.containsKey(Field.DATE)) {
      missing.add(Field.DATE_RANGE.column());
    }
    List<Field> plain =
        List.of(
            Field.MEAN_TRAVEL_TIME_SECONDS,
            Field.LOWER_BOUND_TRAVEL_TIME_SECONDS,
            Field.UPPER_BOUND_TRAVEL_TIME_SECONDS);
    boolean anyPlain = plain.stream().anyMatch(index::containsKey);
    if (anyPlain || periods.isEmpty()) {
      plain.stream().filter(f -> !index.containsKey(f)).forEach(f -> missing.add(f.column()));
    }
    if (!missing.isEmpty()) {
      throw anotherShape("no " + String.join(", ", missing) + " column", headerNames);
    }
    if (index.containsKey(Field.DATE_RANGE) && index.containsKey(Field.DATE)) {
      throw anotherShape("both a date_range and a date column", headerNames);
    }
    if (!periods.isEmpty() && index.containsKey(Field.TIME_OF_DAY)) {
      throw anotherShape("both a time_of_day column and travel times per period", headerNames);
    }

    List<TravelTimes> groups = new ArrayList<>();
    if (anyPlain) {
      groups.add(
          new TravelTimes(
              null,
              index.get(Field.MEAN_TRAVEL_TIME_SECONDS),
              index.get(Field.LOWER_BOUND_TRAVEL_TIME_SECONDS),
              index.get(Field.UPPER_BOUND_TRAVEL_TIME_SECONDS)));
    }
    for (Map.Entry<String, int[]> period : periods.entrySet()) {
      int[] columns = period.getValue();
      for (int measure = 0; measure < 3; measure++) {
        if (columns[measure] < 0) {
          throw anotherShape(
              "no "
                  + period.getKey()
                  + "_"
                  + List.of("mean", "range_lower_bound", "range_upper_bound").get(measure)
                  + "_travel_time_seconds column beside the other "
                  + period.getKey()
                  + " travel times",
              headerNames);
        }
      }
      groups.add(new TravelTimes(PERIODS.get(period.getKey()), columns[0], columns[1], columns[2]));
    }
    return new UberHeader(
        List.copyOf(headerNames), index, List.copyOf(groups), List.copyOf(ignored));
  }

  /** 0 for the mean, 1 for the lower bound, 2 for the upper bound. */
  private static int measure(String name) {
    if (name.equals("mean")) {
      return 0;
    }
    return name.endsWith("lower_bound") ? 1 : 2;
  }

  private static IllegalArgumentException anotherShape(String why, List<String> headerNames) {
    return new IllegalArgumentException(
        "not an Uber Movement travel-times file: "
            + why
            + "; the header is "
            + quoted(headerNames));
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

  /**
   * The travel-time groups: the plain one if any, then one per period in header order; never none.
   */
  public List<TravelTimes> travelTimes() {
    return travelTimes;
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
