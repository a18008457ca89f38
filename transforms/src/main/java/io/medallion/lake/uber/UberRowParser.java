package io.medallion.lake.uber;

import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.uber.UberHeader.Field;
import io.medallion.lake.uber.UberHeader.TravelTimes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Validates one data row of an Uber Movement CSV against the contract (DESIGN.md, "Uber Movement
 * travel times") and builds its silver rows ({@link LakeTable#SILVER_UBER_MOVEMENTS}) with the
 * partition each belongs to (its city and date columns). Pure: values in, rows and {@link
 * Rejection}s out, never an exception.
 *
 * <p>A row gives one silver row per travel-time group of its header ({@link
 * UberHeader#travelTimes}): one for the travel-times, day-of-week and time-of-day exports, one per
 * period for the Daily export. A group whose three cells (mean, lower and upper bound) are all
 * empty holds no measurement: it gives no row and is only counted. A group with some of its cells
 * empty is rejected ({@link Reason#PARTIAL_TRAVEL_TIMES}), and so is one with a time that is not a
 * plain non-negative decimal number, or a lower bound above the upper bound; the other groups of
 * the row are judged on their own. A fault of the row itself (ids, names, date, city, travel
 * distance, the number of cells) rejects it once, whatever its groups hold.
 *
 * <p>Other empty cells are null; ids, names and the date (range) are required.
 */
public final class UberRowParser {
  private static final Pattern DECIMAL =
      Pattern.compile("[+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  /** Why a row (or a whole file) is quarantined; the codes are stable and appear in reports. */
  public enum Reason {
    /** The header lacks a required column (say, {@code Date} instead of {@code Date Range}). */
    UNSUPPORTED_FILE_SHAPE,
    /** The file holds nothing, or a header and no rows. */
    EMPTY_FILE,
    /** No city in the file name, no {@code city} column and no {@code --city}. */
    UNKNOWN_CITY,
    /**
     * The CSV cannot be read from here on (an unclosed quote, bytes that are not UTF-8): each line
     * of the rest is one record with this reason.
     */
    MALFORMED_CSV,
    WRONG_FIELD_COUNT,
    MISSING_CITY,
    MISSING_ORIGIN_MOVEMENT_ID,
    MISSING_ORIGIN_DISPLAY_NAME,
    MISSING_DESTINATION_MOVEMENT_ID,
    MISSING_DATE_RANGE,
    INVALID_DATE_RANGE,
    /** The Daily export's {@code Date} cell is empty. */
    MISSING_DATE,
    /** The Daily export's {@code Date} cell is not one M/D/YYYY date. */
    INVALID_DATE,
    /** Some, not all, of a travel-time group's mean, lower and upper bound are empty. */
    PARTIAL_TRAVEL_TIMES,
    INVALID_TRAVEL_TIME,
    LOWER_BOUND_ABOVE_UPPER_BOUND,
    INVALID_TRAVEL_DISTANCE;

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Why a row was rejected, with a detail a person can act on. */
  public record Rejection(Reason reason, String detail) {}

  /** Either {@link #row()} or {@link #rejection()}. */
  public record Outcome(GenericRecord row, Rejection rejection) {
    static Outcome reject(Reason reason, String detail) {
      return new Outcome(null, new Rejection(reason, detail));
    }

    public boolean isValid() {
      return row != null;
    }
  }

  /**
   * Where a file's rows get their city: {@code option} (from {@code --city}) wins, then the row's
   * {@code city} column when it is not empty, then {@code fileName} (the city in the file's name).
   * Each is a normalised partition value or null.
   */
  public record CityRule(String option, String fileName) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * What one data row became.
   *
   * @param outcomes a row or a rejection per travel-time group that holds a value, in the header's
   *     order; or one rejection, of the row as a whole
   * @param emptyTravelTimes the groups with all three cells empty, which gave nothing
   */
  public record Outcomes(List<Outcome> outcomes, int emptyTravelTimes) {
    static Outcomes reject(Reason reason, String detail) {
      return new Outcomes(List.of(Outcome.reject(reason, detail)), 0);
    }
  }

  private UberRowParser() {}

  public static Outcomes parse(
      UberHeader header, List<String> values, CityRule cities, String sourceFile) {
    if (values.size() != header.names().size()) {
      return Outcomes.reject(
          Reason.WRONG_FIELD_COUNT,
          values.size() + " fields, the header has " + header.names().size());
    }
    String city = cities.option();
    if (city == null) {
      String column = cell(header, values, Field.CITY);
      city = column != null ? PartitionValues.normalise(column) : cities.fileName();
    }
    if (city == null) {
      return Outcomes.reject(Reason.MISSING_CITY, "empty city, and none in the file name");
    }
    String originId = cell(header, values, Field.ORIGIN_MOVEMENT_ID);
    if (originId == null) {
      return Outcomes.reject(Reason.MISSING_ORIGIN_MOVEMENT_ID, "empty origin movement id");
    }
    String originName = cell(header, values, Field.ORIGIN_DISPLAY_NAME);
    if (originName == null) {
      return Outcomes.reject(Reason.MISSING_ORIGIN_DISPLAY_NAME, "empty origin display name");
    }
    String destinationId = cell(header, values, Field.DESTINATION_MOVEMENT_ID);
    if (destinationId == null) {
      return Outcomes.reject(
          Reason.MISSING_DESTINATION_MOVEMENT_ID, "empty destination movement id");
    }
    String dateText;
    DateRange range;
    if (header.has(Field.DATE_RANGE)) {
      dateText = cell(header, values, Field.DATE_RANGE);
      if (dateText == null) {
        return Outcomes.reject(Reason.MISSING_DATE_RANGE, "empty date range");
      }
      try {
        range = DateRange.parse(dateText);
      } catch (IllegalArgumentException e) {
        return Outcomes.reject(Reason.INVALID_DATE_RANGE, e.getMessage());
      }
    } else {
      dateText = cell(header, values, Field.DATE);
      if (dateText == null) {
        return Outcomes.reject(Reason.MISSING_DATE, "empty date");
      }
      try {
        range = DateRange.day(dateText);
      } catch (IllegalArgumentException e) {
        return Outcomes.reject(Reason.INVALID_DATE, e.getMessage());
      }
    }
    Double distance;
    try {
      distance = number(header, values, header.indexOf(Field.TRAVEL_DISTANCE_METERS));
    } catch (IllegalArgumentException e) {
      return Outcomes.reject(Reason.INVALID_TRAVEL_DISTANCE, e.getMessage());
    }

    // What the row's groups share; each group's row is a shallow copy with its own times.
    GenericData.Record shared =
        new GenericData.Record(LakeTable.SILVER_UBER_MOVEMENTS.avroSchema());
    shared.put("origin_movement_id", originId);
    shared.put("origin_display_name", originName);
    shared.put("destination_movement_id", destinationId);
    shared.put("destination_display_name", cell(header, values, Field.DESTINATION_DISPLAY_NAME));
    shared.put("date_range", dateText);
    shared.put("date_range_start", (int) range.start().toEpochDay());
    shared.put("date_range_end", (int) range.end().toEpochDay());
    shared.put("days", range.days());
    shared.put("aggregation", range.aggregation());
    shared.put("travel_distance_meters", distance);
    shared.put("origin_geometry", cell(header, values, Field.ORIGIN_GEOMETRY));
    shared.put("destination_geometry", cell(header, values, Field.DESTINATION_GEOMETRY));
    shared.put("day_of_week", cell(header, values, Field.DAY_OF_WEEK));
    shared.put("time_of_day", cell(header, values, Field.TIME_OF_DAY));
    shared.put("source_file", sourceFile);
    shared.put("city", city);
    shared.put("year", range.start().getYear());
    shared.put("month", range.start().getMonthValue());
    shared.put("day", range.start().getDayOfMonth());

    List<Outcome> outcomes = new ArrayList<>(header.travelTimes().size());
    int empty = 0;
    for (TravelTimes group : header.travelTimes()) {
      int[] columns = {group.mean(), group.lower(), group.upper()};
      int given = 0;
      for (int column : columns) {
        given += values.get(column).isBlank() ? 0 : 1;
      }
      if (given == 0) {
        empty++;
        continue;
      }
      if (given < columns.length) {
        outcomes.add(partial(header, values, columns));
        continue;
      }
      double[] times = new double[columns.length];
      try {
        for (int i = 0; i < columns.length; i++) {
          times[i] = number(header, values, columns[i]);
        }
      } catch (IllegalArgumentException e) {
        outcomes.add(Outcome.reject(Reason.INVALID_TRAVEL_TIME, e.getMessage()));
        continue;
      }
      if (times[1] > times[2]) {
        outcomes.add(
            Outcome.reject(
                Reason.LOWER_BOUND_ABOVE_UPPER_BOUND,
                String.format(
                    Locale.ROOT,
                    "%s %s s is above %s %s s",
                    name(header, group.lower()),
                    times[1],
                    name(header, group.upper()),
                    times[2])));
        continue;
      }
      GenericRecord row = new GenericData.Record(shared, false);
      row.put("mean_travel_time_seconds", times[0]);
      row.put("lower_bound_travel_time_seconds", times[1]);
      row.put("upper_bound_travel_time_seconds", times[2]);
      if (group.period() != null) {
        row.put("time_of_day", group.period());
      }
      outcomes.add(new Outcome(row, null));
    }
    return new Outcomes(List.copyOf(outcomes), empty);
  }

  /** The stripped cell of {@code field}; null when the file has no such column or it is blank. */
  private static String cell(UberHeader header, List<String> values, Field field) {
    int i = header.indexOf(field);
    if (i < 0) {
      return null;
    }
    String value = values.get(i).strip();
    return value.isEmpty() ? null : value;
  }

  /** Some of a group's cells empty, some not: which, by name. */
  private static Outcome partial(UberHeader header, List<String> values, int[] columns) {
    List<String> blank = new ArrayList<>();
    List<String> given = new ArrayList<>();
    for (int column : columns) {
      (values.get(column).isBlank() ? blank : given).add(name(header, column));
    }
    return Outcome.reject(
        Reason.PARTIAL_TRAVEL_TIMES,
        String.join(", ", blank)
            + " empty while "
            + String.join(", ", given)
            + (given.size() == 1 ? " is" : " are")
            + " not");
  }

  /** The snake_case name of a column, as a detail names it. */
  private static String name(UberHeader header, int column) {
    return UberHeader.snakeCase(header.names().get(column));
  }

  /** The number in {@code column}; null when there is no such column (-1) or it is blank. */
  private static Double number(UberHeader header, List<String> values, int column) {
    if (column < 0 || values.get(column).isBlank()) {
      return null;
    }
    String value = values.get(column).strip();
    if (!DECIMAL.matcher(value).matches()) {
      throw new IllegalArgumentException(
          name(header, column) + " is not a non-negative number: '" + value + "'");
    }
    double d = Double.parseDouble(value);
    if (Double.isInfinite(d)) {
      throw new IllegalArgumentException(
          name(header, column) + " is out of range: '" + value + "'");
    }
    return d;
  }
}
