package io.medallion.lake.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.hex;
import static org.apache.spark.sql.functions.instr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.translate;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.text.Normalizer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Silver in Spark's own terms: the bronze JSON lines of each arrival hour ({@code
 * spark.read().text}), parsed once by {@code from_json} with an explicit schema (the three fields
 * the contract names, as text, and the corrupt-record column), validated by one {@code CASE WHEN}
 * that gives the lake's quarantine reasons in the lake's order, enriched by column expressions, and
 * written with {@code partitionBy("dt", "hour")} (no shuffle: each arrival hour is read on its own,
 * so a task writes one hour). The quarantine is counted per reason with {@link Observation} in the
 * same pass, not written.
 *
 * <p>Where Spark cannot say the lake's rule natively, the closest expression is used:
 *
 * <ul>
 *   <li>The payload is the line read as tokens by one {@code regexp_replace} (strings whole, so
 *       nothing inside a string is touched): the three contract members cut out, the whitespace
 *       between tokens dropped, everything else byte for byte, in order, as the lake keeps it. A
 *       member named like a contract field inside a nested object is cut out too, and a contract
 *       key written with escapes ({@code "event\u005fname"}) is not.
 *   <li>A JSON value's kind is not visible through {@code from_json} (a string column takes any
 *       value as text): {@code event_uuid} and {@code event_name} count as "not a string" when
 *       their text is {@code true}, {@code false} or starts with <code>{</code> or {@code [} (a
 *       number name passes, a string uuid {@code "true"} fails); {@code created_at} is a number
 *       when the first {@code "created_at":} of the line is followed by one ({@code
 *       regexp_extract}), whose text, exactly as written, is cast to {@code decimal(38,12)} (beyond
 *       26 integer digits: out of range; past 12 fraction digits: rounded before the floor to
 *       microseconds).
 *   <li>Spark's JSON reader takes a duplicate key (the last wins), trailing data after the object,
 *       bytes that are not UTF-8 (replaced) and lone surrogates (written as {@code ?}); the lake
 *       quarantines them. Lengths count code points, the lake's UTF-16 units. {@code NaN} and
 *       single quotes are refused, as in the lake.
 *   <li>Partition values fold accents with {@code translate} over the Latin letters of U+00C0 to
 *       U+024F that decompose to one ASCII letter, not by Unicode decomposition of any text; a
 *       number {@code event_uuid} with a fraction is kept as Jackson re-prints it ({@code 1.50}
 *       becomes {@code 1.5}).
 * </ul>
 */
final class SparkSilver {
  /** The quarantine reasons a bronze line can get, in the lake's order (EventParser.Reason). */
  static final List<String> REASONS =
      List.of(
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

  private static final int MAX_RECORD_BYTES = 1 << 20;
  private static final int MAX_FIELD_LENGTH = 256;
  private static final long EARLIEST_CREATED_AT = 946_684_800L; // 2000-01-01T00:00:00Z
  private static final long LATEST_AFTER_ARRIVAL_HOUR = 3_600L + 86_400L;
  private static final String CORRUPT = "_corrupt_record";

  /** The three members the contract names, as text, and the line when it is not JSON. */
  static final StructType CONTRACT =
      new StructType()
          .add("event_uuid", DataTypes.StringType)
          .add("event_name", DataTypes.StringType)
          .add("created_at", DataTypes.StringType)
          .add(CORRUPT, DataTypes.StringType);

  /** Spark's JSON reader as strict as the lake's parser where it can be. */
  static final Map<String, String> STRICT_JSON =
      Map.of(
          "mode", "PERMISSIVE",
          "columnNameOfCorruptRecord", CORRUPT,
          "allowSingleQuotes", "false",
          "allowNonNumericNumbers", "false",
          "allowNumericLeadingZeros", "false",
          "allowUnquotedControlChars", "false");

  /** A top-level JSON value that is a string, number, {@code true}, {@code false} or null. */
  private static final String JSON_SCALAR =
      "^\\s*(true|false|null|-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?"
          + "|\"([^\"\\\\\\x00-\\x1F]|\\\\([\"\\\\/bfnrt]|u[0-9a-fA-F]{4}))*\")\\s*$";

  /** A JSON string token, escapes included, matched without backtracking. */
  private static final String JSON_STRING = "\"[^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+\"";

  /**
   * Read left to right, a line is cut into: a contract member with its scalar value and comma
   * (dropped), any other string (kept, as group 1), whitespace between tokens (dropped), and the
   * rest (kept, as it is not matched). Replaced by {@code $1}, it is the lake's payload.
   */
  private static final String PAYLOAD_TOKENS =
      "\"(?:event_uuid|event_name|created_at)\"\\s*+:\\s*+(?:"
          + JSON_STRING
          + "|[^,}\\s]++)\\s*+,?|("
          + JSON_STRING
          + ")|\\s++";

  /**
   * The letters of Latin-1 Supplement to Latin Extended-B that Unicode decomposition turns into one
   * ASCII letter and combining marks ({@code é} into {@code e}), and those letters: {@code
   * translate}'s two arguments. Made here, on the driver, from {@link Normalizer}; the rows only
   * see the two strings.
   */
  private static final String[] ACCENT_FOLDING = accentFolding();

  private static String[] accentFolding() {
    StringBuilder from = new StringBuilder();
    StringBuilder to = new StringBuilder();
    for (char c = '\u00C0'; c <= '\u024F'; c++) {
      String folded =
          Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKD).replaceAll("\\p{M}+", "");
      if (folded.length() == 1 && folded.charAt(0) < 0x80 && Character.isLetter(folded.charAt(0))) {
        from.append(c);
        to.append(folded);
      }
    }
    return new String[] {from.toString(), to.toString()};
  }

  private SparkSilver() {}

  /**
   * Silver for the arrival hours {@code hours} of {@code bronze} ({@code yyyy/MM/dd/HH/} folders;
   * hours without one are skipped), written to {@code out} as {@code dt=YYYY-MM-DD/hour=HH/}.
   *
   * @return {@code spark silver: read R, written W, quarantined Q {reason=count, ...}}
   * @throws IllegalArgumentException when none of the hours has a bronze folder
   */
  static String run(SparkSession spark, String bronze, String out, List<Instant> hours)
      throws InterruptedException {
    DateTimeFormatter folder =
        DateTimeFormatter.ofPattern("yyyy/MM/dd/HH", Locale.ROOT).withZone(ZoneOffset.UTC);
    DateTimeFormatter date = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
    DateTimeFormatter hourOfDay =
        DateTimeFormatter.ofPattern("HH", Locale.ROOT).withZone(ZoneOffset.UTC);
    Dataset<Row> lines = null;
    for (Instant hour : hours) {
      String path = bronze + "/" + folder.format(hour);
      if (!Files.isDirectory(Paths.get(path))) {
        continue;
      }
      // One scan per hour, its arrival a constant: no file name to parse per line, and every task
      // holds lines of one hour, which a partitioned write then needs no shuffle for.
      Dataset<Row> one =
          spark
              .read()
              .text(path)
              .select(
                  col("value"),
                  lit(hour.getEpochSecond()).as("arrival"),
                  lit(date.format(hour)).as("dt"),
                  lit(hourOfDay.format(hour)).as("hour"));
      lines = lines == null ? one : lines.union(one);
    }
    if (lines == null) {
      throw new IllegalArgumentException("no bronze files under " + bronze + " for those hours");
    }

    Dataset<Row> parsed =
        lines
            // A blank line of a bronze file separates records; it is none.
            .where(length(trim(col("value"), " \t")).gt(0))
            .select(
                col("value"),
                col("arrival"),
                col("dt"),
                col("hour"),
                from_json(col("value"), CONTRACT, STRICT_JSON).as("j"),
                regexp_extract(col("value"), "\"created_at\"\\s*:\\s*(-?[0-9][0-9.eE+-]*)", 1)
                    .as("created_number"));
    Column seconds =
        when(col("created_number").notEqual(""), col("created_number"))
            .cast(DataTypes.createDecimalType(38, 12));
    Dataset<Row> checked =
        parsed.select(
            col("*"),
            reason(seconds).as("reason"),
            floor(seconds.multiply(lit(1_000_000L))).cast("long").as("micros"));

    Observation counts = new Observation("silver");
    List<Column> metrics = new ArrayList<>();
    metrics.add(countIf(col("reason").isNull()).as("written"));
    for (String reason : REASONS) {
      metrics.add(countIf(col("reason").equalTo(reason)).as(reason));
    }
    Column name = col("j.event_name");
    Column micros = col("micros");
    Column createdAt = timestamp_micros(micros);
    checked
        .observe(counts, count(lit(1)).as("read"), metrics.toArray(Column[]::new))
        .where(col("reason").isNull())
        .select(
            col("j.event_uuid").as("event_uuid"),
            name.as("event_name"),
            normalise(substring_index(name, ":", 1)).as("event_type"),
            when(
                    instr(name, ":").gt(0),
                    normalise(substring_index(substring_index(name, ":", 2), ":", -1)))
                .as("event_subtype"),
            createdAt.as("created_at"),
            isoInstant(createdAt, micros).as("created_datetime"),
            regexp_replace(regexp_replace(col("value"), PAYLOAD_TOKENS, "$1"), ",}$", "}")
                .as("payload"),
            col("dt"),
            col("hour"))
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
        read,
        written,
        read - written,
        reasons);
  }

  /**
   * The first quarantine reason of the lake's order that a parsed line has, or null: one {@code
   * CASE WHEN}, so each check runs only on the lines that passed the ones before it.
   */
  private static Column reason(Column seconds) {
    Column line = col("value");
    Column uuid = col("j.event_uuid");
    Column name = col("j.event_name");
    Column validArray =
        line.rlike("^\\s*\\[")
            .and(
                from_json(line, DataTypes.createArrayType(DataTypes.StringType), STRICT_JSON)
                    .isNotNull());
    return when(octet_length(line).gt(MAX_RECORD_BYTES), lit("record_too_large"))
        .when(
            not(line.rlike("^\\s*\\{")),
            when(line.rlike(JSON_SCALAR).or(validArray), lit("not_an_object"))
                .otherwise(lit("invalid_json")))
        .when(col("j").isNull().or(col("j." + CORRUPT).isNotNull()), lit("invalid_json"))
        .when(uuid.isNull(), lit("missing_event_uuid"))
        .when(
            notScalar(uuid)
                .or(uuid.rlike("^\\p{javaWhitespace}*$"))
                .or(length(uuid).gt(MAX_FIELD_LENGTH)),
            lit("invalid_event_uuid"))
        .when(name.isNull(), lit("missing_event_name"))
        .when(
            notScalar(name)
                .or(length(name).gt(MAX_FIELD_LENGTH))
                // An empty name, or an empty or blank part: "", "a:", ":a", "a::b", "a: :b".
                .or(name.rlike("(^|:)\\p{javaWhitespace}*(:|$)")),
            lit("invalid_event_name"))
        .when(col("j.created_at").isNull(), lit("missing_created_at"))
        .when(col("created_number").equalTo(""), lit("invalid_created_at"))
        .when(
            seconds
                .isNull()
                .or(seconds.lt(lit(EARLIEST_CREATED_AT)))
                .or(seconds.geq(col("arrival").plus(lit(LATEST_AFTER_ARRIVAL_HOUR)))),
            lit("created_at_out_of_range"));
  }

  /** A JSON boolean, object or array read into a string column (whose text is all one sees). */
  private static Column notScalar(Column text) {
    return text.isin("true", "false").or(text.rlike("^[\\[{]"));
  }

  private static Column countIf(Column condition) {
    return sum(when(condition, lit(1L)).otherwise(lit(0L)));
  }

  /**
   * The lake's partition-value rule in column expressions: accents folded, lower case, every run of
   * characters other than {@code [a-z0-9_]} one {@code _}, none at either end; a value with no
   * letter or digit left becomes {@code x_} and the hex of its UTF-8 bytes ({@code x_empty} when
   * empty); cut to 64 characters, and trimmed again.
   */
  static Column normalise(Column value) {
    Column cleaned =
        trimUnderscores(
            regexp_replace(
                lower(translate(value, ACCENT_FOLDING[0], ACCENT_FOLDING[1])), "[^a-z0-9_]+", "_"));
    Column filled =
        when(value.equalTo(""), lit("x_empty"))
            .when(cleaned.equalTo(""), concat(lit("x_"), lower(hex(encode(value, "UTF-8")))))
            .otherwise(cleaned);
    return when(length(filled).leq(64), filled)
        .otherwise(trimUnderscores(substring(filled, 1, 64)));
  }

  private static Column trimUnderscores(Column value) {
    return regexp_replace(value, "^_+|_+$", "");
  }

  /**
   * {@code created_at} as {@code DateTimeFormatter.ISO_INSTANT} prints it: no fraction when whole
   * seconds, else 3 or 6 digits.
   */
  private static Column isoInstant(Column timestamp, Column micros) {
    Column fraction = pmod(micros, lit(1_000_000L));
    return concat(
        date_format(timestamp, "yyyy-MM-dd'T'HH:mm:ss"),
        when(fraction.equalTo(0), lit(""))
            .when(
                pmod(fraction, lit(1000)).equalTo(0),
                concat(lit("."), lpad(fraction.divide(1000).cast("long").cast("string"), 3, "0")))
            .otherwise(concat(lit("."), lpad(fraction.cast("string"), 6, "0"))),
        lit("Z"));
  }
}
