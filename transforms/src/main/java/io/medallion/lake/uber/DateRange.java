package io.medallion.lake.uber;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Uber Movement {@code Date Range} cell, like {@code 3/1/2020 - 3/31/2020, Every day, Daily
 * Average}: two US dates (zero padding optional), then up to two trailing parts, the days counted
 * ({@code Every day}, {@code Weekdays only}...) and the aggregation ({@code Daily Average}, {@code
 * AM Peak}...).
 *
 * <p>With both parts present they come in that order. With one, it is the aggregation when it names
 * one (average, peak, midday, evening, morning, night, hour), else the days: Uber's exports drop
 * {@code Every day} from day-of-week files and {@code Daily Average} from time-of-day files.
 *
 * <p>A Daily export gives one day instead ({@code Date}, {@code 01/25/2018}): {@link #day} makes it
 * a range from that day to that day, with no trailing parts.
 *
 * @param days the days part, or null
 * @param aggregation the aggregation part, or null
 */
public record DateRange(LocalDate start, LocalDate end, String days, String aggregation) {
  private static final DateTimeFormatter US_DATE =
      DateTimeFormatter.ofPattern("M/d/uuuu", Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);
  private static final Pattern RANGE =
      Pattern.compile(
          "\\s*(\\d{1,2}/\\d{1,2}/\\d{4})\\s*-\\s*(\\d{1,2}/\\d{1,2}/\\d{4})\\s*"
              + "(?:,([^,]*))?(?:,([^,]*))?");
  private static final Pattern DAY = Pattern.compile("\\d{1,2}/\\d{1,2}/\\d{4}");
  private static final Pattern AGGREGATION =
      Pattern.compile(
          ".*\\b(average|mean|median|peak|midday|evening|morning|night|hourly|hour)\\b.*",
          Pattern.CASE_INSENSITIVE);

  /**
   * Parses a date range cell.
   *
   * @throws IllegalArgumentException with a one-line reason when {@code text} is not a date range
   *     (wrong shape, an impossible date, more than three parts, or an end before the start)
   */
  public static DateRange parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty date range");
    }
    Matcher m = RANGE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a date range like '3/1/2020 - 3/31/2020, Every day, Daily Average': " + text);
    }
    LocalDate start = date(m.group(1), text);
    LocalDate end = date(m.group(2), text);
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("date range ends before it starts: " + text);
    }
    String first = part(m.group(3));
    String second = part(m.group(4));
    if (m.group(4) != null) {
      return new DateRange(start, end, first, second);
    }
    if (first != null && AGGREGATION.matcher(first).matches()) {
      return new DateRange(start, end, null, first);
    }
    return new DateRange(start, end, first, null);
  }

  /**
   * Parses a single-day cell ({@code 01/25/2018}, zero padding optional) as the range of that day.
   *
   * @throws IllegalArgumentException with a one-line reason when {@code text} is not one US date
   */
  public static DateRange day(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty date");
    }
    String value = text.strip();
    if (!DAY.matcher(value).matches()) {
      throw new IllegalArgumentException("not a date like '01/25/2018' (M/D/YYYY): " + text);
    }
    try {
      LocalDate date = LocalDate.parse(value, US_DATE);
      return new DateRange(date, date, null, null);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a date (M/D/YYYY): " + text);
    }
  }

  private static LocalDate date(String value, String text) {
    try {
      return LocalDate.parse(value, US_DATE);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a date (M/D/YYYY): " + value + " in " + text);
    }
  }

  private static String part(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
