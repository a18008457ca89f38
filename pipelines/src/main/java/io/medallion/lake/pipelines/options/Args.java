package io.medallion.lake.pipelines.options;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Turns option strings into times, with one clear message per mistake. Every message starts with
 * the option's name, so the launcher can print it as is.
 */
public final class Args {
  /** A backfill longer than this is almost certainly a typo in a year. */
  public static final int MAX_HOURS = 24 * 366;

  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH", Locale.ROOT);

  private Args() {}

  /** {@code 2026-01-02T03} (also accepted: {@code 2026-01-02T03:00}, {@code ...:00:00Z}). */
  public static Instant hour(String option, String value) {
    String v = value.strip();
    try {
      if (v.endsWith("Z")) {
        Instant t = Instant.parse(v);
        if (!t.equals(t.truncatedTo(ChronoUnit.HOURS))) {
          throw new IllegalArgumentException(
              option + ": " + value + " is not the start of an hour");
        }
        return t;
      }
      if (v.length() == 16 && v.endsWith(":00")) {
        v = v.substring(0, 13);
      }
      return LocalDateTime.parse(v, HOUR).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option + ": '" + value + "' is not an hour like 2026-01-02T03 (UTC)");
    }
  }

  public static LocalDate date(String option, String value) {
    try {
      return LocalDate.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option + ": '" + value + "' is not a date like 2026-01-02");
    }
  }

  /** {@link #duration} as the Joda-Time duration Beam's windowing and IO builders take. */
  public static org.joda.time.Duration joda(String option, String value) {
    return joda(duration(option, value));
  }

  /** {@code d} as the Joda-Time duration Beam's windowing and IO builders take. */
  public static org.joda.time.Duration joda(Duration d) {
    return org.joda.time.Duration.millis(d.toMillis());
  }

  public static Duration duration(String option, String value) {
    try {
      Duration d = Duration.parse(value.strip());
      if (d.isNegative()) {
        throw new IllegalArgumentException(option + ": must not be negative, got " + value);
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option + ": '" + value + "' is not an ISO-8601 duration like PT6H");
    }
  }

  /** {@code --hour}, or every hour from {@code --from} to {@code --to} inclusive. */
  public static List<Instant> hours(String hour, String from, String to) {
    if (hour != null && (from != null || to != null)) {
      throw new IllegalArgumentException("--hour: give either --hour or --from/--to, not both");
    }
    if (hour != null) {
      return List.of(hour("--hour", hour));
    }
    if (from == null || to == null) {
      throw new IllegalArgumentException(
          "--hour: which hour? Give --hour=2026-01-02T03, or --from=...T00 --to=...T23");
    }
    Instant start = hour("--from", from);
    Instant end = hour("--to", to);
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("--to: " + to + " is before --from " + from);
    }
    long count = Duration.between(start, end).toHours() + 1;
    if (count > MAX_HOURS) {
      throw new IllegalArgumentException(
          "--to: " + count + " hours is more than one run takes (" + MAX_HOURS + "); split it");
    }
    List<Instant> hours = new ArrayList<>();
    for (Instant h = start; !h.isAfter(end); h = h.plus(1, ChronoUnit.HOURS)) {
      hours.add(h);
    }
    return hours;
  }

  /** {@code --date}, or every date from {@code --from} to {@code --to} inclusive. */
  public static List<LocalDate> dates(String date, String from, String to) {
    if (date != null && (from != null || to != null)) {
      throw new IllegalArgumentException("--date: give either --date or --from/--to, not both");
    }
    if (date != null) {
      return List.of(date("--date", date));
    }
    if (from == null || to == null) {
      throw new IllegalArgumentException(
          "--date: which day? Give --date=2026-01-02, or --from=2026-01-01 --to=2026-01-31");
    }
    LocalDate start = date("--from", from);
    LocalDate end = date("--to", to);
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("--to: " + to + " is before --from " + from);
    }
    if (ChronoUnit.DAYS.between(start, end) >= 366) {
      throw new IllegalArgumentException("--to: more than 366 days in one run; split it");
    }
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate d = start; !d.isAfter(end); d = d.plusDays(1)) {
      dates.add(d);
    }
    return dates;
  }

  public static int positive(String option, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(option + ": must be at least 1, got " + value);
    }
    return value;
  }

  /** A run id that sorts by time and never repeats: {@code 20260102T030405Z-1a2b3c}. */
  public static String newRunId() {
    return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(Instant.now())
        + "-"
        + UUID.randomUUID().toString().substring(0, 6);
  }
}
