package io.medallion.lake.uber;

import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.uber.UberHeader.Field;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Validates one data row of an Uber Movement CSV against the contract (DESIGN.md, "Uber Movement
 * travel times") and builds its silver row ({@link LakeTable#SILVER_UBER_MOVEMENTS}) with the
 * partition it belongs to. Pure: values in, a row or a {@link Rejection} out, never an exception.
 *
 * <p>Empty cells are null. Ids, names and the date range are required; travel times and the extras
 * may be empty. A time must be a plain non-negative decimal number, and the lower bound must not
 * exceed the upper bound.
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

  private UberRowParser() {}

  public static Outcome parse(
      UberHeader header, List<String> values, CityRule cities, String sourceFile) {
    if (values.size() != header.names().size()) {
      return Outcome.reject(
          Reason.WRONG_FIELD_COUNT,
          values.size() + " fields, the header has " + header.names().size());
    }
    String city = cities.option();
    if (city == null) {
      String column = cell(header, values, Field.CITY);
      city = column != null ? PartitionValues.normalise(column) : cities.fileName();
    }
    if (city == null) {
      return Outcome.reject(Reason.MISSING_CITY, "empty city, and none in the file name");
    }
    String originId = cell(header, values, Field.ORIGIN_MOVEMENT_ID);
    if (originId == null) {
      return Outcome.reject(Reason.MISSING_ORIGIN_MOVEMENT_ID, "empty origin movement id");
    }
    String originName = cell(header, values, Field.ORIGIN_DISPLAY_NAME);
    if (originName == null) {
      return Outcome.reject(Reason.MISSING_ORIGIN_DISPLAY_NAME, "empty origin display name");
    }
    String destinationId = cell(header, values, Field.DESTINATION_MOVEMENT_ID);
    if (destinationId == null) {
      return Outcome.reject(
          Reason.MISSING_DESTINATION_MOVEMENT_ID, "empty destination movement id");
    }
    String dateRangeText = values.get(header.indexOf(Field.DATE_RANGE));
    if (dateRangeText.isBlank()) {
      return Outcome.reject(Reason.MISSING_DATE_RANGE, "empty date range");
    }
    DateRange range;
    try {
      range = DateRange.parse(dateRangeText);
    } catch (IllegalArgumentException e) {
      return Outcome.reject(Reason.INVALID_DATE_RANGE, e.getMessage());
    }

    Double mean;
    Double lower;
    Double upper;
    try {
      mean = number(header, values, Field.MEAN_TRAVEL_TIME_SECONDS);
      lower = number(header, values, Field.LOWER_BOUND_TRAVEL_TIME_SECONDS);
      upper = number(header, values, Field.UPPER_BOUND_TRAVEL_TIME_SECONDS);
    } catch (IllegalArgumentException e) {
      return Outcome.reject(Reason.INVALID_TRAVEL_TIME, e.getMessage());
    }
    if (lower != null && upper != null && lower > upper) {
      return Outcome.reject(
          Reason.LOWER_BOUND_ABOVE_UPPER_BOUND,
          "lower bound " + lower + " s is above upper bound " + upper + " s");
    }
    Double distance;
    try {
      distance = number(header, values, Field.TRAVEL_DISTANCE_METERS);
    } catch (IllegalArgumentException e) {
      return Outcome.reject(Reason.INVALID_TRAVEL_DISTANCE, e.getMessage());
    }

    GenericRecord row = new GenericData.Record(LakeTable.SILVER_UBER_MOVEMENTS.avroSchema());
    row.put("origin_movement_id", originId);
    row.put("origin_display_name", originName);
    row.put("destination_movement_id", destinationId);
    row.put("destination_display_name", cell(header, values, Field.DESTINATION_DISPLAY_NAME));
    row.put("date_range", dateRangeText.strip());
    row.put("date_range_start", (int) range.start().toEpochDay());
    row.put("date_range_end", (int) range.end().toEpochDay());
    row.put("days", range.days());
    row.put("aggregation", range.aggregation());
    row.put("mean_travel_time_seconds", mean);
    row.put("lower_bound_travel_time_seconds", lower);
    row.put("upper_bound_travel_time_seconds", upper);
    row.put("travel_distance_meters", distance);
    row.put("origin_geometry", cell(header, values, Field.ORIGIN_GEOMETRY));
    row.put("destination_geometry", cell(header, values, Field.DESTINATION_GEOMETRY));
    row.put("day_of_week", cell(header, values, Field.DAY_OF_WEEK));
    row.put("time_of_day", cell(header, values, Field.TIME_OF_DAY));
    row.put("source_file", sourceFile);
    row.put("city", city);
    row.put("year", range.start().getYear());
    row.put("month", range.start().getMonthValue());
    row.put("day", range.start().getDayOfMonth());
    return new Outcome(row, null);
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

  private static Double number(UberHeader header, List<String> values, Field field) {
    String value = cell(header, values, field);
    if (value == null) {
      return null;
    }
    if (!DECIMAL.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field.column() + " is not a non-negative number: '" + value + "'");
    }
    double d = Double.parseDouble(value);
    if (Double.isInfinite(d)) {
      throw new IllegalArgumentException(field.column() + " is out of range: '" + value + "'");
    }
    return d;
  }
}
