package io.medallion.lake.spark;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;

/**
 * The lake's silver and gold jobs written the way a Spark (AWS Glue) engineer writes them, for the
 * benchmark's side-by-side runs: Spark SQL 3.5, {@code local[threads]}, the DataFrame API and
 * Spark's own JSON reader and column expressions only (no UDF), Snappy Parquet with microsecond
 * timestamps. {@link SparkSilver} and {@link SparkGold} say what each job computes and where it
 * differs from the lake (src/docs/benchmark.md, "The Spark peer", lists the same differences).
 *
 * <p>Prints, on stdout, {@code first record <ms> ms after JVM start} when the first task of the
 * first job starts (milliseconds since the JVM's start), then one summary line when the job ends.
 * Exit code 2 on bad arguments. Not on the lake's classpath: {@code src/scripts/spark-peer.sh}
 * builds it on first use.
 *
 * <pre>{@code
 * src/scripts/spark-peer.sh run silver LAKE/bronze/events LAKE/silver/events 2026-01-01T12 2026-01-02T11 2
 * src/scripts/spark-peer.sh run gold LAKE/silver/events LAKE/gold/events LAKE/gold/event_stats 2026-01-01 2026-01-02 PT24H 2
 * }</pre>
 */
public final class SparkEvents {
  private static final String USAGE =
      "usage: SparkEvents silver <bronze-events-dir> <silver-dir> <from-hour> <to-hour> <threads>\n"
          + "       SparkEvents gold <silver-dir> <gold-events-dir> <gold-stats-dir> <from-date>"
          + " <to-date> <dedup-horizon (ISO-8601, e.g. PT24H)> <threads>";

  private SparkEvents() {}

  public static void main(String[] args) throws InterruptedException {
    String summary;
    try {
      summary =
          switch (args.length > 0 ? args[0] : "") {
            case "silver" -> {
              need(args, 6);
              List<Instant> hours = hours(args[3], args[4]);
              try (SparkSession spark = session(Integer.parseInt(args[5]))) {
                yield SparkSilver.run(spark, args[1], args[2], hours);
              }
            }
            case "gold" -> {
              need(args, 8);
              LocalDate from = LocalDate.parse(args[4]);
              LocalDate to = LocalDate.parse(args[5]);
              Duration horizon = Duration.parse(args[6]);
              try (SparkSession spark = session(Integer.parseInt(args[7]))) {
                yield SparkGold.run(spark, args[1], args[2], args[3], from, to, horizon);
              }
            }
            default -> throw new IllegalArgumentException(USAGE);
          };
    } catch (IllegalArgumentException | DateTimeParseException e) {
      System.err.println("SparkEvents: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.println(summary);
  }

  private static void need(String[] args, int n) {
    if (args.length != n) {
      throw new IllegalArgumentException(USAGE);
    }
  }

  /**
   * A local session set up as a Spark engineer sets one for a small machine: a few shuffle
   * partitions per core (200 is for clusters), adaptive execution coalescing them by size, UTC,
   * Snappy Parquet with microsecond timestamps, and the first-record line.
   */
  static SparkSession session(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1");
    }
    SparkSession spark =
        SparkSession.builder()
            .appName("lake-bench-spark")
            .master("local[" + threads + "]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", Integer.toString(2 * threads))
            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
            // Coalesce to the advisory size (64 MB), not to as many partitions as possible: on
            // local[N] the cores are the parallelism, and small partitions are small files.
            .config("spark.sql.adaptive.coalescePartitions.parallelismFirst", "false")
            .config("spark.sql.adaptive.skewJoin.enabled", "false")
            .config("spark.sql.parquet.compression.codec", "snappy")
            .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
            // Partition values stay strings: hour=03 must not become the integer 3.
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .getOrCreate();
    spark.sparkContext().addSparkListener(new FirstTask());
    return spark;
  }

  /** Every arrival hour from {@code from} to {@code to} ({@code yyyy-MM-ddTHH}, UTC), inclusive. */
  static List<Instant> hours(String from, String to) {
    Instant first = Instant.parse(from + ":00:00Z");
    Instant last = Instant.parse(to + ":00:00Z");
    List<Instant> hours = new ArrayList<>();
    for (Instant h = first; !h.isAfter(last); h = h.plus(1, ChronoUnit.HOURS)) {
      hours.add(h);
    }
    return hours;
  }

  /**
   * Prints {@code first record <ms> ms after JVM start} once, when the first task of the first job
   * is launched: the time to first record, comparable with the lake's and the reference's line.
   */
  static final class FirstTask extends SparkListener {
    private final AtomicBoolean seen = new AtomicBoolean();

    @Override
    public void onTaskStart(SparkListenerTaskStart taskStart) {
      if (seen.compareAndSet(false, true)) {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        System.out.println(
            "first record "
                + (taskStart.taskInfo().launchTime() - jvmStart)
                + " ms after JVM start");
      }
    }
  }
}
