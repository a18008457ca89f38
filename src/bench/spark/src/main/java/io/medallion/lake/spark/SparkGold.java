package io.medallion.lake.spark;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.storage.StorageLevel;

/**
 * Gold in Spark's own terms, the lake's rule exactly (DESIGN.md, "Gold events"): the silver rows
 * created from the first date's midnight less the de-duplication horizon to the end of the last
 * date (a {@code created_at} filter Parquet's statistics push down, whatever hour the rows arrived
 * in); per {@code event_uuid}, the copies in the lake's order (earliest {@code created_at}, then
 * {@code event_name}, {@code payload}, {@code event_subtype}); a copy is kept iff the copy just
 * before it ({@code lag}: the latest of all those before it) was created more than the horizon
 * earlier. One shuffle (the window's), cached because two writes read it: the kept rows of the
 * target dates to {@code event_type=T/date=D/}, and per date, type and subtype the rows created
 * ({@code event_count}), kept ({@code distinct_events}), dropped, and the first and last {@code
 * created_at}, to {@code date=D/}. Rows of the context dates are compared with, never written.
 *
 * <p>Differences from the lake: strings are compared as UTF-8 bytes (Java compares UTF-16 units:
 * the order differs only between characters above U+FFFF and those from U+E000 to U+FFFF), and the
 * partition columns live in the folder names only.
 */
final class SparkGold {
  private SparkGold() {}

  /**
   * Gold for the creation dates {@code from} to {@code to} (UTC) from the silver written by {@link
   * SparkSilver} under {@code silver}.
   *
   * @return {@code spark gold: read R, written W, duplicates removed D} (rows created on the target
   *     dates)
   */
  static String run(
      SparkSession spark,
      String silver,
      String goldEvents,
      String goldStats,
      LocalDate from,
      LocalDate to,
      Duration horizon)
      throws InterruptedException {
    if (horizon.isNegative()) {
      throw new IllegalArgumentException("the horizon must not be negative: " + horizon);
    }
    Instant first = from.atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant end = to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    Column createdAt = col("created_at");

    WindowSpec copies =
        Window.partitionBy("event_uuid")
            .orderBy(
                createdAt,
                col("event_name"),
                col("payload"),
                coalesce(col("event_subtype"), lit("")));
    Column previous = lag(createdAt, 1).over(copies);
    Column kept =
        previous
            .isNull()
            .or(
                unix_micros(createdAt)
                    .minus(unix_micros(previous))
                    .gt(lit(horizon.toNanos() / 1000)));

    Dataset<Row> decided =
        spark
            .read()
            .parquet(silver)
            .where(createdAt.geq(lit(first.minus(horizon))).and(createdAt.lt(lit(end))))
            .select(
                col("event_uuid"),
                col("event_name"),
                col("event_type"),
                col("event_subtype"),
                createdAt,
                col("created_datetime"),
                col("payload"),
                to_date(createdAt).as("date"),
                kept.as("kept"))
            // After the window: the context dates' rows decide, they are not written.
            .where(createdAt.geq(lit(first)))
            .persist(StorageLevel.MEMORY_AND_DISK());

    decided
        .where(col("kept"))
        .drop("kept")
        .write()
        .mode(SaveMode.Overwrite)
        .partitionBy("event_type", "date")
        .parquet(goldEvents);
    Observation counts = new Observation("gold");
    Column keptCount = sum(when(col("kept"), lit(1L)).otherwise(lit(0L)));
    decided
        .groupBy("date", "event_type", "event_subtype")
        .agg(
            count(lit(1)).as("event_count"),
            keptCount.as("distinct_events"),
            count(lit(1)).minus(keptCount).as("duplicates_removed"),
            min(createdAt).as("first_created_at"),
            max(createdAt).as("last_created_at"))
        // Counted on the few stats rows, in the stats' own write: not inside the cached plan.
        .observe(counts, sum("event_count").as("read"), sum("distinct_events").as("written"))
        .write()
        .mode(SaveMode.Overwrite)
        .partitionBy("date")
        .parquet(goldStats);
    decided.unpersist();

    // A sum over no rows is null: no silver row on those dates.
    Object read0 = counts.getAsJava().get("read");
    Object written0 = counts.getAsJava().get("written");
    long read = read0 == null ? 0 : ((Number) read0).longValue();
    long written = written0 == null ? 0 : ((Number) written0).longValue();
    return String.format(
        Locale.ROOT,
        "spark gold: read %d, written %d, duplicates removed %d",
        read,
        written,
        read - written);
  }
}
