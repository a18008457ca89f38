package io.medallion.lake.layout;

import java.io.Serializable;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where every table, quarantine and report lives under one lake root, a local folder or an {@code
 * s3://bucket/prefix}. This is the path half of the data contract (DESIGN.md, "Where things live");
 * nothing else in the code spells a lake path.
 *
 * <p>Directories are returned without a trailing slash. All times are UTC.
 */
public final class LakeLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final DateTimeFormatter BRONZE_HOUR =
      DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR_OF_DAY =
      DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC);
  private static final Pattern BRONZE_PATH =
      Pattern.compile(".*/bronze/events/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/[^/]+$");

  private final String root;

  private LakeLayout(String root) {
    this.root = root;
  }

  /**
   * A lake at {@code root}: a URI with a scheme ({@code s3://bucket/prefix}) is kept as given; a
   * local path is made absolute, because Beam resolves local paths on whichever worker runs a step.
   */
  public static LakeLayout at(String root) {
    String trimmed = root.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("--lake must not be empty");
    }
    while (trimmed.length() > 1 && trimmed.endsWith("/") && !trimmed.endsWith("://")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (hasScheme(trimmed) && !trimmed.startsWith("file:")) {
      return new LakeLayout(trimmed);
    }
    String local = trimmed.startsWith("file:") ? trimmed.substring("file:".length()) : trimmed;
    return new LakeLayout(Paths.get(local).toAbsolutePath().normalize().toString());
  }

  public static boolean hasScheme(String path) {
    return path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  }

  public boolean isLocal() {
    return !hasScheme(root);
  }

  public String root() {
    return root;
  }

  /** {@code root/relative}. */
  public String resolve(String relative) {
    return root + "/" + relative;
  }

  /**
   * {@code path} relative to the lake root (the inverse of {@link #resolve}); a local {@code file:}
   * URI counts as its path. A path outside the lake is returned unchanged.
   */
  public String relativize(String path) {
    String prefix = root + "/";
    String local = isLocal() && path.startsWith("file:") ? path.substring("file:".length()) : path;
    return local.startsWith(prefix) ? local.substring(prefix.length()) : path;
  }

  // ---- bronze ----

  public String bronzeEventsHour(Instant hour) {
    return resolve(BRONZE_EVENTS + "/" + bronzeHourFolder(hour));
  }

  /** {@code YYYY/MM/DD/HH}: an arrival hour's folder, relative to {@link #BRONZE_EVENTS}. */
  public static String bronzeHourFolder(Instant hour) {
    return BRONZE_HOUR.format(hour);
  }

  /**
   * The arrival hour a bronze file belongs to, read from its path ({@code
   * .../bronze/events/YYYY/MM/DD/HH/name}).
   */
  public static Instant bronzeHourOf(String path) {
    Matcher m = BRONZE_PATH.matcher(path);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a bronze events file: " + path);
    }
    return Instant.parse(
        m.group(1) + "-" + m.group(2) + "-" + m.group(3) + "T" + m.group(4) + ":00:00Z");
  }

  // ---- partitions (relative to a table) ----

  /** {@code dt=YYYY-MM-DD/hour=HH} for an arrival hour. */
  public static String hourPartition(Instant hour) {
    return "dt=" + DATE.format(hour) + "/hour=" + HOUR_OF_DAY.format(hour);
  }

  public static String datePartition(LocalDate date) {
    return "date=" + date;
  }

  public static String eventTypeDatePartition(String eventType, LocalDate date) {
    if (!PartitionValues.isNormalised(eventType)) {
      throw new IllegalArgumentException("event type is not a partition value: " + eventType);
    }
    return "event_type=" + eventType + "/date=" + date;
  }

  /**
   * {@code city=C/year=YYYY/month=MM/day=DD} of {@code silver/uber_movements}, for a normalised
   * city and the start of a row's date range.
   */
  public static String uberMovementsPartition(String city, LocalDate dateRangeStart) {
    if (!PartitionValues.isNormalised(city)) {
      throw new IllegalArgumentException("city is not a partition value: " + city);
    }
    return String.format(
        "city=%s/year=%04d/month=%02d/day=%02d",
        city,
        dateRangeStart.getYear(),
        dateRangeStart.getMonthValue(),
        dateRangeStart.getDayOfMonth());
  }

  // ---- tables ----

  public static final String BRONZE_EVENTS = "bronze/events";
  public static final String SILVER_EVENTS = "silver/events";
  public static final String GOLD_EVENTS = "gold/events";
  public static final String GOLD_EVENT_STATS = "gold/event_stats";
  public static final String QUARANTINE_EVENTS = "quarantine/events";
  public static final String SILVER_UBER_MOVEMENTS = "silver/uber_movements";
  public static final String QUARANTINE_UBER_MOVEMENTS = "quarantine/uber_movements";
  public static final String LANDING_UBER_MOVEMENTS = "landing/uber_movements";

  /** {@code _reports/<layer>/<dataset>/<partition>.json}. */
  public String report(String layer, String dataset, String partition) {
    return resolve("_reports/" + layer + "/" + dataset + "/" + partition + ".json");
  }

  /** Where the units marked as needing promotion live, relative to the lake root. */
  public static final String PENDING = "_pending";

  /** {@code _pending/<layer>/<dataset>}: the units of a table marked as needing promotion. */
  public String pendingRoot(String layer, String dataset) {
    return resolve(PENDING + "/" + layer + "/" + dataset);
  }

  /** {@code _pending/<layer>/<dataset>/<unit>/<run>.json}: one run's mark on a unit. */
  public String pendingMarker(String layer, String dataset, String unit, String runId) {
    if (unit.contains("/") || unit.isBlank()) {
      throw new IllegalArgumentException("not a single-folder unit: " + unit);
    }
    return pendingRoot(layer, dataset) + "/" + unit + "/" + runId + ".json";
  }

  /** A private scratch folder for one run; promotions stage their files here before commit. */
  public String staging(String runId) {
    return resolve("_tmp/" + runId);
  }

  // ---- time helpers shared by the pipelines ----

  public static Instant truncateToHour(Instant t) {
    return t.truncatedTo(ChronoUnit.HOURS);
  }

  public static LocalDate dateOf(Instant t) {
    return LocalDate.ofInstant(t, ZoneOffset.UTC);
  }

  @Override
  public String toString() {
    return root;
  }
}
