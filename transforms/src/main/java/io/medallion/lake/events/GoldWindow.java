package io.medallion.lake.events;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which arrival hours the gold run for a date reads (DESIGN.md): from the date's 00:00 to the next
 * day's 00:00 plus the allowed lateness. An event created on the date that arrived later is not in
 * that run; its silver report counts it as late.
 */
public record GoldWindow(Duration allowedLateness) implements Serializable {

  public Instant start(LocalDate date) {
    return date.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** Exclusive. */
  public Instant end(LocalDate date) {
    return date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(allowedLateness);
  }

  public boolean contains(LocalDate date, Instant arrivalHour) {
    return !arrivalHour.isBefore(start(date)) && arrivalHour.isBefore(end(date));
  }

  /** Every arrival hour read for any of {@code dates}, in order, each once. */
  public List<Instant> hours(List<LocalDate> dates) {
    TreeSet<Instant> hours = new TreeSet<>();
    for (LocalDate date : dates) {
      for (Instant h = start(date); h.isBefore(end(date)); h = h.plus(1, ChronoUnit.HOURS)) {
        hours.add(h);
      }
    }
    return new ArrayList<>(hours);
  }
}
