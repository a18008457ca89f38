package io.medallion.lake.layout;

import java.io.Serializable;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lake root, a local folder or an {@code s3://bucket/prefix}, and the folders of the lake as a
 * whole: bronze, pending marks, staging, streaming state. A dataset's own folders (its table,
 * quarantine, reports, landing) are in its definition ({@code table.Dataset}, {@code
 * table.LakeTable}).
 *
 * <p>Directories are returned without a trailing slash. All times are UTC.
 */
public final class LakeLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final DateTimeFormatter BRONZE_HOUR =
      DateTimeFormatter.ofPattern("yyyy/MM/dd/HH", Locale.ROOT).withZone(ZoneOffset.UTC);
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

  // ---- lake-level folders (a dataset's own folders are in its definition, table.Dataset) ----

  /** Raw event records in the Firehose layout, {@code YYYY/MM/DD/HH/} by arrival hour. */
  public static final String BRONZE_EVENTS = "bronze/events";

  /** Where every dataset's quarantine folder lives, relative to the lake root. */
  public static final String QUARANTINE = "quarantine";

  /** Where every promotion's reports live, relative to the lake root, by layer and dataset. */
  public static final String REPORTS = "_reports";

  /** Where the units marked as needing promotion live, relative to the lake root. */
  public static final String PENDING = "_pending";

  /** Where requests to the lake's jobs are dropped, one folder per kind, relative to the root. */
  public static final String REQUESTS = "_requests";

  /**
   * Where an operator drops the day's GDPR erasure requests, relative to the root: {@code *.txt}
   * files of one value per line (the subjects' {@code user_id}s), which {@code lake forget
   * --requests} takes in one run and deletes once its receipt is written (the values are personal
   * data).
   */
  public static final String ERASURE_REQUESTS = REQUESTS + "/erasure";

  /**
   * Where {@code lake forget} writes its receipts, relative to the root: {@code <requestId>.json}
   * ({@code <requestId>.dry-run.json} for a dry run), naming subjects only by SHA-256.
   */
  public static final String ERASURE_REPORTS = REPORTS + "/erasure";

  /** Where runs stage files before their commit, one folder per run, relative to the root. */
  public static final String STAGING = "_tmp";

  /**
   * Where streaming jobs keep the state a restart resumes from (embedded Flink's checkpoints), one
   * folder per job, relative to the root. Only for a local lake: Flink writes no {@code s3://} path
   * without its S3 plugin.
   */
  public static final String STATE = "_state";

  /** {@code root/_state/<job>}: the folder of a streaming job's checkpoints. */
  public String state(String job) {
    return resolve(STATE + "/" + job);
  }

  /** A private scratch folder for one run; promotions stage their files here before commit. */
  public String staging(String runId) {
    return resolve(STAGING + "/" + runId);
  }

  // ---- time helpers shared by the pipelines ----

  public static Instant truncateToHour(Instant t) {
    return t.truncatedTo(ChronoUnit.HOURS);
  }

  /** The UTC date of {@code t}. */
  public static LocalDate dateOf(Instant t) {
    // What LocalDate.ofInstant(t, ZoneOffset.UTC) gives, without the zone rules it makes per call
    // (ZoneOffset.getRules() builds new ones): silver and gold ask for every row.
    return LocalDate.ofEpochDay(Math.floorDiv(t.getEpochSecond(), SECONDS_PER_DAY));
  }

  /** The UTC date of a time in microseconds since the epoch (a {@code created_at}). */
  public static LocalDate dateOfMicros(long micros) {
    return LocalDate.ofEpochDay(Math.floorDiv(micros, SECONDS_PER_DAY * 1_000_000L));
  }

  /** The UTC hour of the day (0 to 23) of {@code t}. */
  public static int hourOf(Instant t) {
    return (int) (Math.floorMod(t.getEpochSecond(), SECONDS_PER_DAY) / SECONDS_PER_HOUR);
  }

  /** The first instant of {@code date}, UTC. */
  public static Instant startOf(LocalDate date) {
    return Instant.ofEpochSecond(date.toEpochDay() * SECONDS_PER_DAY);
  }

  private static final long SECONDS_PER_HOUR = 3_600;
  private static final long SECONDS_PER_DAY = 86_400;

  @Override
  public String toString() {
    return root;
  }
}
