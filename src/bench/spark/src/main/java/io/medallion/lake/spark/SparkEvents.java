package io.medallion.lake.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.hex;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.unix_timestamp;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The lake's silver and gold jobs written the way a Spark (AWS Glue) user would write them, for the
 * benchmark's side-by-side runs: Spark SQL 3.5, {@code local[threads]}, the DataFrame API, Snappy
 * Parquet with microsecond timestamps, one file per output partition.
 *
 * <ul>
 *   <li><b>silver</b>: the bronze JSON lines of each arrival hour, validated against the lake's
 *       event contract by a Jackson UDF (the contract, such as "a boolean is not a uuid" or
 *       "created_at within a day of arrival", is beyond {@code from_json}), enriched with column
 *       expressions ({@code event_type}/{@code event_subtype} normalised, {@code created_at} as a
 *       timestamp, {@code created_datetime} in ISO-8601), written to {@code
 *       dt=YYYY-MM-DD/hour=HH/}; the quarantine is counted per reason with {@link Observation} in
 *       the same pass (not written).
 *   <li><b>gold</b>: the silver rows of each creation date from its arrival window (the date's
 *       hours plus the lateness), de-duplicated per {@code event_uuid} across the dates with {@code
 *       row_number()} (earliest {@code created_at}, then {@code event_name}, {@code payload}),
 *       written to {@code event_type=T/date=D/}, and aggregated per date, type and subtype.
 * </ul>
 *
 * <p>Not on the lake's classpath: {@code src/scripts/spark-peer.sh} builds it on first use.
 *
 * <pre>{@code
 * java @target/spark-peer/java.args io.medallion.lake.spark.SparkEvents silver LAKE/bronze/events OUT/silver/events 2026-01-01T12 2026-01-02T11 2
 * java @target/spark-peer/java.args io.medallion.lake.spark.SparkEvents gold OUT/silver/events OUT/gold/events OUT/gold/event_stats 2026-01-01 2026-01-02 6 2
 * }</pre>
 */
public final class SparkEvents {
  private static final String USAGE =
      "usage: SparkEvents silver <bronze-events-dir> <silver-dir> <from-hour> <to-hour> <threads>\n"
          + "       SparkEvents gold <silver-dir> <gold-events-dir> <gold-stats-dir> <from-date>"
          + " <to-date> <lateness-hours> <threads>";

  /** The quarantine reasons of the lake's contract (its EventParser.Reason codes). */
  static final List<String> REASONS =
      List.of(
          "empty_record",
          "record_too_large",
          "invalid_json",
          "not_an_object",
          "missing_event_uuid",
          "invalid_event_uuid",
          "missing_event_name",
          "invalid_event_name",
          "missing_created_at",
          "invalid_created_at",
          "created_at_out_of_range");

  private SparkEvents() {}

  public static void main(String[] args) throws InterruptedException {
    String summary;
    try {
      summary =
          switch (args.length > 0 ? args[0] : "") {
            case "silver" -> {
              need(args, 6);
              try (SparkSession spark = session(Integer.parseInt(args[5]))) {
                yield silver(spark, args[1], args[2], hours(args[3], args[4]));
              }
            }
            case "gold" -> {
              need(args, 8);
              try (SparkSession spark = session(Integer.parseInt(args[7]))) {
                yield gold(
                    spark,
                    args[1],
                    args[2],
                    args[3],
                    LocalDate.parse(args[4]),
                    LocalDate.parse(args[5]),
                    Integer.parseInt(args[6]));
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

  static SparkSession session(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1");
    }
    return SparkSession.builder()
        .appName("lake-bench-spark")
        .master("local[" + threads + "]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        // A few shuffle partitions per core, as for any local job (200 is for clusters); adaptive
        // execution coalesces what is left empty.
        .config("spark.sql.shuffle.partitions", Integer.toString(4 * threads))
        .config("spark.sql.parquet.compression.codec", "snappy")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        // Partition values stay strings: hour=03 must not become the integer 3.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate();
  }

  // ---- silver ----

  static String silver(SparkSession spark, String bronze, String out, List<Instant> hours)
      throws InterruptedException {
    DateTimeFormatter dir =
        DateTimeFormatter.ofPattern("yyyy/MM/dd/HH", Locale.ROOT).withZone(ZoneOffset.UTC);
    List<String> inputs = new ArrayList<>();
    for (Instant hour : hours) {
      String path = bronze + "/" + dir.format(hour);
      if (Files.isDirectory(Paths.get(path))) {
        inputs.add(path);
      }
    }
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no bronze files under " + bronze + " for those hours");
    }
    UserDefinedFunction validate = udf(new ValidateEvent(), ValidateEvent.RESULT);
    String hourOfPath = "/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/[^/]+$";
    Column source = input_file_name();
    Column arrival =
        unix_timestamp(
            concat(
                regexp_extract(source, hourOfPath, 1),
                lit("-"),
                regexp_extract(source, hourOfPath, 2),
                lit("-"),
                regexp_extract(source, hourOfPath, 3),
                lit(" "),
                regexp_extract(source, hourOfPath, 4),
                lit(":00:00")));

    Dataset<Row> parsed =
        spark
            .read()
            .text(inputs.toArray(String[]::new))
            .select(
                arrival.cast("timestamp").as("arrival"),
                validate.apply(col("value"), arrival).as("e"));

    Observation counts = new Observation("silver");
    List<Column> metrics = new ArrayList<>();
    metrics.add(countIf(col("e.reason").isNull()).as("written"));
    for (String reason : REASONS) {
      metrics.add(countIf(col("e.reason").equalTo(reason)).as(reason));
    }
    Dataset<Row> observed =
        parsed.observe(
            counts,
            count(lit(1)).as("read"),
            metrics.toArray(Column[]::new));

    Column name = col("e.event_name");
    Column parts = split(name, ":");
    Column micros = col("e.created_at_micros");
    Column createdAt = expr("timestamp_micros(e.created_at_micros)");
    Column fraction = pmod(micros, lit(1_000_000L));
    Column createdDatetime =
        concat(
            date_format(createdAt, "yyyy-MM-dd'T'HH:mm:ss"),
            when(fraction.equalTo(0), lit(""))
                .when(
                    pmod(fraction, lit(1000)).equalTo(0),
                    concat(lit("."), lpad(fraction.divide(1000).cast("long").cast("string"), 3, "0")))
                .otherwise(concat(lit("."), lpad(fraction.cast("string"), 6, "0"))),
            lit("Z"));

    observed
        .where(col("e.reason").isNull())
        .select(
            col("e.event_uuid").as("event_uuid"),
            name.as("event_name"),
            normalise(element_at(parts, 1)).as("event_type"),
            when(size(parts).gt(1), normalise(element_at(parts, 2))).as("event_subtype"),
            createdAt.as("created_at"),
            createdDatetime.as("created_datetime"),
            col("e.payload").as("payload"),
            date_format(col("arrival"), "yyyy-MM-dd").as("dt"),
            date_format(col("arrival"), "HH").as("hour"))
        // One file per arrival hour, as the lake writes them.
        .repartition(col("dt"), col("hour"))
        .write()
        .mode(SaveMode.Overwrite)
        .partitionBy("dt", "hour")
        .parquet(out);

    Map<String, Object> seen = counts.getAsJava();
    long read = ((Number) seen.get("read")).longValue();
    long written = ((Number) seen.get("written")).longValue();
    Map<String, Long> reasons = new TreeMap<>();
    for (String reason : REASONS) {
      long n = ((Number) seen.get(reason)).longValue();
      if (n > 0) {
        reasons.put(reason, n);
      }
    }
    return String.format(
        Locale.ROOT,
        "spark silver: read %d, written %d, quarantined %d %s",
        read, written, read - written, reasons);
  }

  private static Column countIf(Column condition) {
    return sum(when(condition, lit(1L)).otherwise(lit(0L)));
  }

  /**
   * The lake's partition-value rule ({@code [a-z0-9_]+}, at most 64 characters; a value with no
   * letter or digit becomes {@code x_} and its UTF-8 hex) in column expressions. Spark SQL has no
   * Unicode decomposition, so accents are not folded here (the lake turns {@code é} into {@code
   * e}); the bench's event names are plain ASCII.
   */
  static Column normalise(Column value) {
    Column cleaned =
        regexp_replace(regexp_replace(lower(value), "[^a-z0-9_]+", "_"), "^_+|_+$", "");
    Column nonEmpty =
        when(cleaned.equalTo(""), concat(lit("x_"), lower(hex(encode(value, "UTF-8")))))
            .otherwise(cleaned);
    return substring(when(value.equalTo(""), lit("x_empty")).otherwise(nonEmpty), 1, 64);
  }

  /**
   * The lake's event contract on one bronze line: a JSON object with a non-blank {@code
   * event_uuid} (string or number), an {@code event_name} of non-blank {@code :}-parts, and a
   * numeric {@code created_at} (Unix seconds) from 2000 to a day after the arrival hour ends. Valid:
   * the fields, {@code created_at} in microseconds and the other fields as the payload; invalid:
   * the quarantine reason.
   */
  static final class ValidateEvent implements UDF2<String, Long, Row> {
    private static final long serialVersionUID = 1L;
    static final StructType RESULT =
        DataTypes.createStructType(
            List.of(
                DataTypes.createStructField("reason", DataTypes.StringType, true),
                DataTypes.createStructField("event_uuid", DataTypes.StringType, true),
                DataTypes.createStructField("event_name", DataTypes.StringType, true),
                DataTypes.createStructField("created_at_micros", DataTypes.LongType, true),
                DataTypes.createStructField("payload", DataTypes.StringType, true)));
    private static final int MAX_RECORD_BYTES = 1 << 20;
    private static final int MAX_FIELD_LENGTH = 256;
    private static final long EARLIEST = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond();
    private static final long LATEST_AFTER_ARRIVAL_HOUR = 3600L + 86_400L;
    private static final ObjectMapper MAPPER =
        new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    @Override
    public Row call(String line, Long arrivalHour) {
      try {
        return validate(line, arrivalHour);
      } catch (RuntimeException e) {
        return reject("invalid_json");
      }
    }

    private static Row validate(String line, long arrivalHour) {
      if (line.length() > MAX_RECORD_BYTES / 4
          && line.getBytes(StandardCharsets.UTF_8).length > MAX_RECORD_BYTES) {
        return reject("record_too_large");
      }
      JsonNode node;
      try {
        node = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        return reject("invalid_json");
      }
      if (node == null || node.isMissingNode()) {
        return reject("empty_record");
      }
      if (!(node instanceof ObjectNode object)) {
        return reject("not_an_object");
      }
      JsonNode uuidNode = object.remove("event_uuid");
      if (uuidNode == null || uuidNode.isNull()) {
        return reject("missing_event_uuid");
      }
      String uuid;
      if (uuidNode.isTextual()) {
        uuid = uuidNode.textValue();
      } else if (uuidNode.isIntegralNumber()) {
        uuid = uuidNode.bigIntegerValue().toString();
      } else if (uuidNode.isNumber() && finite(uuidNode)) {
        uuid = uuidNode.decimalValue().toPlainString();
      } else {
        return reject("invalid_event_uuid");
      }
      if (uuid.isBlank() || uuid.length() > MAX_FIELD_LENGTH) {
        return reject("invalid_event_uuid");
      }
      JsonNode nameNode = object.remove("event_name");
      if (nameNode == null || nameNode.isNull()) {
        return reject("missing_event_name");
      }
      if (!nameNode.isTextual() || !validName(nameNode.textValue())) {
        return reject("invalid_event_name");
      }
      JsonNode created = object.remove("created_at");
      if (created == null || created.isNull()) {
        return reject("missing_created_at");
      }
      if (!created.isNumber()) {
        return reject("invalid_created_at");
      }
      if (!finite(created)) {
        return reject("created_at_out_of_range");
      }
      BigDecimal seconds = created.decimalValue();
      if (seconds.compareTo(BigDecimal.valueOf(EARLIEST)) < 0
          || seconds.compareTo(BigDecimal.valueOf(arrivalHour + LATEST_AFTER_ARRIVAL_HOUR)) >= 0) {
        return reject("created_at_out_of_range");
      }
      long micros = seconds.movePointRight(6).setScale(0, RoundingMode.FLOOR).longValueExact();
      return RowFactory.create(null, uuid, nameNode.textValue(), micros, object.toString());
    }

    private static boolean finite(JsonNode number) {
      return !(number.isDouble() || number.isFloat()) || Double.isFinite(number.doubleValue());
    }

    private static boolean validName(String name) {
      if (name.isEmpty() || name.length() > MAX_FIELD_LENGTH) {
        return false;
      }
      for (String part : name.split(":", -1)) {
        if (part.isBlank()) {
          return false;
        }
      }
      return true;
    }

    private static Row reject(String reason) {
      return RowFactory.create(reason, null, null, null, null);
    }
  }

  // ---- gold ----

  static String gold(
      SparkSession spark,
      String silver,
      String goldEvents,
      String goldStats,
      LocalDate from,
      LocalDate to,
      int latenessHours)
      throws InterruptedException {
    long lateness = latenessHours * 3600L;
    // Every arrival hour any date's window can hold: from the first date to the day after the last.
    String lastDt = to.plusDays(1 + (latenessHours + 23) / 24).toString();
    Column date = to_date(col("created_at"));
    Column arrival = unix_timestamp(concat(col("dt"), lit(" "), col("hour"), lit(":00:00")));
    Column dayStart = date.cast("timestamp").cast("long");

    Observation readCount = new Observation("read");
    Observation writtenCount = new Observation("written");
    Dataset<Row> events =
        spark
            .read()
            .option("basePath", silver)
            .parquet(silver)
            .where(col("dt").between(from.toString(), lastDt))
            .withColumn("date", date)
            .where(
                col("date")
                    .between(lit(from.toString()).cast("date"), lit(to.toString()).cast("date"))
                    .and(arrival.geq(dayStart))
                    .and(arrival.lt(dayStart.plus(86_400L + lateness))))
            .observe(readCount, count(lit(1)).as("rows"));

    // One row per event_uuid across the dates read, as the lake's gold keeps it (its rule with the
    // default one-day horizon, on an input shorter than the horizon).
    WindowSpec perEvent = Window.partitionBy("event_uuid");
    Dataset<Row> deduplicated =
        events
            .withColumn("copies", count(lit(1)).over(perEvent))
            .withColumn(
                "rank",
                row_number()
                    .over(
                        perEvent.orderBy(
                            col("created_at"),
                            col("event_name"),
                            col("payload"),
                            col("event_subtype"))))
            .where(col("rank").equalTo(1))
            .select(
                col("event_uuid"),
                col("event_name"),
                col("event_subtype"),
                col("created_at"),
                col("created_datetime"),
                col("payload"),
                col("event_type"),
                date_format(col("date"), "yyyy-MM-dd").as("date"),
                col("copies"))
            .observe(writtenCount, count(lit(1)).as("rows"))
            .persist();

    deduplicated
        .drop("copies")
        .repartition(col("event_type"), col("date"))
        .write()
        .mode(SaveMode.Overwrite)
        .partitionBy("event_type", "date")
        .parquet(goldEvents);
    deduplicated
        .groupBy("date", "event_type", "event_subtype")
        .agg(
            sum("copies").as("event_count"),
            count(lit(1)).as("distinct_events"),
            sum("copies").minus(count(lit(1))).as("duplicates_removed"),
            min("created_at").as("first_created_at"),
            max("created_at").as("last_created_at"))
        .repartition(col("date"))
        .write()
        .mode(SaveMode.Overwrite)
        .partitionBy("date")
        .parquet(goldStats);
    deduplicated.unpersist();

    long read = ((Number) readCount.getAsJava().get("rows")).longValue();
    long written = ((Number) writtenCount.getAsJava().get("rows")).longValue();
    return String.format(
        Locale.ROOT,
        "spark gold: read %d, written %d, duplicates removed %d",
        read,
        written,
        read - written);
  }

  static List<Instant> hours(String from, String to) {
    Instant first = Instant.parse(from + ":00:00Z");
    Instant last = Instant.parse(to + ":00:00Z");
    List<Instant> hours = new ArrayList<>();
    for (Instant h = first; !h.isAfter(last); h = h.plus(1, ChronoUnit.HOURS)) {
      hours.add(h);
    }
    return hours;
  }
}
