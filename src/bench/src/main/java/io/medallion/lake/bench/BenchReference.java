package io.medallion.lake.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.medallion.lake.bronze.BronzeRecord;
import io.medallion.lake.bronze.JsonRecordSplitter;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.EventEnrichment;
import io.medallion.lake.events.EventParser;
import io.medallion.lake.events.SilverFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.progress.FirstRecord;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.LakeTable;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.types.Types;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;

/**
 * The benchmark's lower bound: silver and gold done by hand in plain Java, one lean pass each, on a
 * local lake, writing the same rows as the pipelines. Silver frames each bronze file into records,
 * validates them with Jackson's streaming {@link JsonParser} (tokens only: no tree, no {@code
 * BigDecimal} for an ordinary {@code created_at}), copies the payload's bytes through, and writes
 * Snappy Parquet straight from a {@link WriteSupport} (no Avro records), one file per hour on a
 * fixed pool of threads; a rejected record (about 1%) is handed to the lake's own {@link
 * EventParser} for its reason, and a disagreement between the two fails the run. Gold reads silver
 * through a {@link ReadSupport} into plain rows, keeps the first row per uuid across the dates read
 * (the order of {@link DeduplicateEvents#KEEP_FIRST}; the lake's rule with its default one-day
 * horizon, on an input shorter than the horizon) in a hash map, and writes gold and the daily stats
 * directly. The Parquet schemas are the lake's ({@link LakeTable}, less the partition columns). It
 * skips what a promotion adds around the data (staging, atomic commit, reports, quarantine
 * reports).
 *
 * <p>Payloads are byte-identical to the pipelines' for compact JSON (as producers send it); for
 * JSON with spaces or escapes inside the payload the pipelines re-serialise, this copies.
 *
 * <pre>{@code
 * java -cp runners/target/lake.jar:src/bench/target/classes io.medallion.lake.bench.BenchReference silver /tmp/lake 2026-01-01T00 2026-01-01T23 2
 * java -cp runners/target/lake.jar:src/bench/target/classes io.medallion.lake.bench.BenchReference gold /tmp/lake 2026-01-01 2026-01-01 2
 * }</pre>
 */
public final class BenchReference {
  /** The one file of a partition the reference writes in one go. */
  static final String FILE = file(0, 1);

  /** The name, less its suffix, of file {@code index} of a partition's {@code count}. */
  static String file(int index, int count) {
    return String.format(Locale.ROOT, "part-reference-%05d-of-%05d", index, count);
  }

  static final MessageType SILVER = parquetSchema(LakeTable.SILVER_EVENTS);
  static final MessageType GOLD = parquetSchema(LakeTable.GOLD_EVENTS);
  static final MessageType STATS = parquetSchema(LakeTable.GOLD_EVENT_STATS);

  /**
   * A table's columns less its partition columns, which the reference keeps in folder names only
   * (plain Parquet folders, no table format): the same column order it writes rows in.
   */
  private static MessageType parquetSchema(LakeTable table) {
    List<String> data =
        table.schema().columns().stream()
            .map(Types.NestedField::name)
            .filter(c -> !table.partitionColumns().contains(c))
            .toList();
    return new AvroSchemaConverter()
        .convert(LakeTable.avroSchema(table, table.schema().select(data)));
  }

  /**
   * The arrival hours the reference's gold reads for a creation date: from its 00:00 to the next
   * day's 00:00 plus the lateness.
   */
  record Window(Duration lateness) {
    Instant start(LocalDate date) {
      return date.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    Instant end(LocalDate date) {
      return date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(lateness);
    }

    boolean contains(LocalDate date, Instant arrivalHour) {
      return !arrivalHour.isBefore(start(date)) && arrivalHour.isBefore(end(date));
    }

    List<Instant> hours(List<LocalDate> dates) {
      TreeSet<Instant> hours = new TreeSet<>();
      for (LocalDate date : dates) {
        for (Instant h = start(date); h.isBefore(end(date)); h = h.plus(Duration.ofHours(1))) {
          hours.add(h);
        }
      }
      return new ArrayList<>(hours);
    }
  }

  private BenchReference() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: BenchReference silver|gold <lake> <from> <to> <threads>");
      System.exit(2);
    }
    LakeLayout lake = LakeLayout.at(args[1]);
    int threads = Integer.parseInt(args[4]);
    String summary =
        switch (args[0]) {
          case "silver" -> silver(lake, hours(args[2], args[3]), threads);
          case "gold" ->
              gold(lake, dates(args[2], args[3]), new Window(Duration.ofHours(6)), threads);
          default -> throw new IllegalArgumentException("silver or gold, not " + args[0]);
        };
    System.out.println(summary);
  }

  // ---- silver: bronze JSON lines → silver Parquet, one file per arrival hour ----

  /** Promotes each arrival hour on one of {@code threads} threads; returns a one-line summary. */
  private static final AtomicBoolean FIRST_RECORD_SEEN = new AtomicBoolean();

  /**
   * Prints the lake's {@link FirstRecord} line on stdout, once per JVM, when the first input record
   * is read: the reference's start-up, measured as the lake measures its own.
   */
  private static void firstRecord() {
    if (!FIRST_RECORD_SEEN.get() && FIRST_RECORD_SEEN.compareAndSet(false, true)) {
      System.out.println(FirstRecord.line(FirstRecord.millisSinceJvmStart()));
    }
  }

  static String silver(LakeLayout lake, List<Instant> hours, int threads) throws Exception {
    AtomicLong read = new AtomicLong();
    AtomicLong written = new AtomicLong();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (Instant hour : hours) {
      tasks.add(
          () -> {
            long[] counts = silverHour(lake, hour);
            read.addAndGet(counts[0]);
            written.addAndGet(counts[1]);
            return null;
          });
    }
    runAll(tasks, threads);
    return String.format(
        Locale.ROOT,
        "reference silver: read %d, written %d, quarantined %d",
        read.get(),
        written.get(),
        read.get() - written.get());
  }

  private static long[] silverHour(LakeLayout lake, Instant hour) throws IOException {
    List<Path> files = visibleFiles(Paths.get(lake.bronzeEventsHour(hour)), "");
    if (files.isEmpty()) {
      return new long[2];
    }
    String partition = Dataset.SILVER_EVENTS.hourUnit(hour).name();
    Path silverFile =
        Paths.get(
            lake.resolve(
                LakeTable.SILVER_EVENTS.relativeLocation()
                    + "/"
                    + partition
                    + "/"
                    + FILE
                    + ".parquet"));
    Path quarantineFile =
        Paths.get(
            lake.resolve(
                Dataset.SILVER_EVENTS.quarantine().orElseThrow()
                    + "/"
                    + partition
                    + "/"
                    + FILE
                    + ".jsonl"));
    long[] counts = new long[2];
    try (ParquetWriter<Object[]> silver = writer(silverFile, SILVER);
        LazyOutput quarantine = new LazyOutput(quarantineFile)) {
      for (Path file : files) {
        // The pipelines' own framing: gzip told by content, one record per top-level JSON value.
        try (InputStream in = JsonRecordSplitter.decompressed(Files.newByteChannel(file))) {
          JsonRecordSplitter.split(
              in,
              (offset, line, bytes) -> {
                firstRecord();
                counts[0]++;
                if (promote(hour, file + ":" + line, offset, bytes, silver, quarantine)) {
                  counts[1]++;
                }
              });
        }
      }
    }
    return counts;
  }

  /** Writes one bronze line to silver or quarantine; true when it went to silver. */
  private static boolean promote(
      Instant hour,
      String source,
      long offset,
      byte[] line,
      ParquetWriter<Object[]> silver,
      LazyOutput quarantine)
      throws IOException {
    byte[] bytes =
        line.length > 0 && line[line.length - 1] == '\r'
            ? Arrays.copyOf(line, line.length - 1)
            : line;
    Object[] row = LeanEvent.silverRow(bytes, hour);
    if (row != null) {
      silver.write(row);
      return true;
    }
    EventParser.Outcome outcome = EventParser.parse(bytes, hour);
    if (outcome.isValid()) {
      throw new IllegalStateException(
          "the lean parser rejected a record the lake accepts: "
              + source
              + ": "
              + new String(bytes, StandardCharsets.UTF_8));
    }
    quarantine.writeLine(
        SilverFiles.quarantineLine(
            new BronzeRecord(hour, source, offset, bytes), outcome.rejection()));
    return false;
  }

  /**
   * The lake's event contract (DESIGN.md, "Events"; {@link EventParser}) on a stream of JSON
   * tokens. Only says valid or not: the reason of a rejection comes from {@link EventParser}.
   */
  static final class LeanEvent {
    private static final JsonFactory JSON =
        JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final long EARLIEST = EventParser.EARLIEST_CREATED_AT.getEpochSecond();
    private static final long LATEST_AFTER_HOUR =
        Duration.ofHours(1).plus(EventParser.MAX_CLOCK_SKEW).getSeconds();

    private LeanEvent() {}

    /** The silver row (in {@link #SILVER}'s column order) of a valid record, or null. */
    static Object[] silverRow(byte[] raw, Instant arrivalHour) {
      if (raw.length > EventParser.MAX_RECORD_BYTES) {
        return null;
      }
      try (JsonParser p = JSON.createParser(raw)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return null;
        }
        String uuid = null;
        String name = null;
        long micros = Long.MIN_VALUE;
        boolean createdSeen = false;
        // Byte ranges of the other top-level fields, "name":value, copied into the payload.
        int[] ranges = new int[16];
        int fields = 0;
        int payloadBytes = 2;
        JsonToken token;
        while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
          int start = (int) p.currentTokenLocation().getByteOffset();
          String field = p.currentName();
          JsonToken value = p.nextToken();
          switch (field) {
            case "event_uuid" -> {
              uuid = uuid(p, value);
              if (uuid == null) {
                return null;
              }
            }
            case "event_name" -> {
              if (value != JsonToken.VALUE_STRING) {
                return null;
              }
              name = p.getText();
              if (!validName(name)) {
                return null;
              }
            }
            case "created_at" -> {
              micros = micros(p, value, arrivalHour.getEpochSecond() + LATEST_AFTER_HOUR);
              if (micros == Long.MIN_VALUE) {
                return null;
              }
              createdSeen = true;
            }
            default -> {
              skipValue(p, value);
              if (fields * 2 == ranges.length) {
                ranges = Arrays.copyOf(ranges, ranges.length * 2);
              }
              ranges[fields * 2] = start;
              ranges[fields * 2 + 1] = end(raw, start, p);
              payloadBytes += ranges[fields * 2 + 1] - start + 1;
              fields++;
            }
          }
        }
        if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
          return null;
        }
        if (uuid == null || name == null || !createdSeen) {
          return null;
        }
        byte[] payload = new byte[fields == 0 ? 2 : payloadBytes - 1];
        int at = 0;
        payload[at++] = '{';
        for (int i = 0; i < fields; i++) {
          if (i > 0) {
            payload[at++] = ',';
          }
          int from = ranges[i * 2];
          int length = ranges[i * 2 + 1] - from;
          System.arraycopy(raw, from, payload, at, length);
          at += length;
        }
        payload[at] = '}';
        return new Object[] {
          Binary.fromString(uuid),
          Binary.fromString(name),
          Binary.fromString(EventEnrichment.eventType(name)),
          subtype(name),
          micros,
          Binary.fromString(EventEnrichment.createdDatetime(micros)),
          Binary.fromConstantByteArray(payload)
        };
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    private static Binary subtype(String name) {
      String subtype = EventEnrichment.eventSubtype(name);
      return subtype == null ? null : Binary.fromString(subtype);
    }

    private static String uuid(JsonParser p, JsonToken value) throws IOException {
      String uuid =
          switch (value) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getBigIntegerValue().toString();
            case VALUE_NUMBER_FLOAT -> p.getDecimalValue().toPlainString();
            default -> null;
          };
      return uuid == null || uuid.isBlank() || uuid.length() > EventParser.MAX_FIELD_LENGTH
          ? null
          : uuid;
    }

    /**
     * {@code created_at} in microseconds (floored), or {@link Long#MIN_VALUE} when it is not a
     * number in [2000-01-01, {@code latest}). Plain decimals are read digit by digit; only an
     * exponent or a huge number takes the {@code BigDecimal} path.
     */
    static long micros(JsonParser p, JsonToken value, long latest) throws IOException {
      if (value == JsonToken.VALUE_NUMBER_INT) {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          return Long.MIN_VALUE;
        }
        long seconds = p.getLongValue();
        return seconds < EARLIEST || seconds >= latest ? Long.MIN_VALUE : seconds * 1_000_000L;
      }
      if (value != JsonToken.VALUE_NUMBER_FLOAT) {
        return Long.MIN_VALUE;
      }
      char[] text = p.getTextCharacters();
      int offset = p.getTextOffset();
      int length = p.getTextLength();
      long seconds = 0;
      long fraction = 0;
      int i = offset;
      int end = offset + length;
      for (; i < end && text[i] >= '0' && text[i] <= '9' && i - offset < 15; i++) {
        seconds = seconds * 10 + (text[i] - '0');
      }
      if (i < end && text[i] == '.') {
        int digits = 0;
        for (i++; i < end && text[i] >= '0' && text[i] <= '9'; i++) {
          if (digits++ < 6) {
            fraction = fraction * 10 + (text[i] - '0');
          }
        }
        for (; digits < 6; digits++) {
          fraction *= 10;
        }
      }
      if (i < end) {
        return exactMicros(p.getDecimalValue(), latest); // a sign, an exponent, or too long
      }
      return seconds < EARLIEST || seconds >= latest
          ? Long.MIN_VALUE
          : seconds * 1_000_000L + fraction;
    }

    private static long exactMicros(BigDecimal seconds, long latest) {
      if (seconds.compareTo(BigDecimal.valueOf(EARLIEST)) < 0
          || seconds.compareTo(BigDecimal.valueOf(latest)) >= 0) {
        return Long.MIN_VALUE;
      }
      return seconds.movePointRight(6).setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    /** Skips a value; strings are decoded so that invalid UTF-8 fails here, as in the lake. */
    private static void skipValue(JsonParser p, JsonToken value) throws IOException {
      if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
        int depth = 1;
        while (depth > 0) {
          JsonToken t = p.nextToken();
          if (t == null) {
            throw new IOException("unexpected end of input");
          }
          if (t.isStructStart()) {
            depth++;
          } else if (t.isStructEnd()) {
            depth--;
          } else if (t == JsonToken.VALUE_STRING) {
            p.getTextLength();
          }
        }
      } else if (value == JsonToken.VALUE_STRING) {
        p.getTextLength();
      } else if (value == null) {
        throw new IOException("unexpected end of input");
      }
    }

    /** Where the value that ends at the parser's position ends in {@code raw} (exclusive). */
    private static int end(byte[] raw, int start, JsonParser p) {
      int end = (int) p.currentLocation().getByteOffset();
      while (end > start && isSpaceOrSeparator(raw[end - 1])) {
        end--;
      }
      return end;
    }

    private static boolean isSpaceOrSeparator(byte b) {
      return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == ',';
    }

    /** One or more non-blank parts separated by {@code :}, at most 256 characters. */
    static boolean validName(String name) {
      if (name.isEmpty() || name.length() > EventParser.MAX_FIELD_LENGTH) {
        return false;
      }
      int start = 0;
      while (start <= name.length()) {
        int end = name.indexOf(':', start);
        if (end < 0) {
          end = name.length();
        }
        if (name.substring(start, end).isBlank()) {
          return false;
        }
        start = end + 1;
      }
      return true;
    }
  }

  // ---- gold: silver Parquet → de-duplicated gold events by type and date, and daily stats ----

  /** A silver row as read: the strings stay Parquet binaries until they are compared. */
  static final class SilverRow {
    Binary uuid;
    Binary name;
    Binary type;
    Binary subtype;
    long createdAt;
    Binary datetime;
    Binary payload;
    long copies = 1;

    /** {@link DeduplicateEvents#KEEP_FIRST}: earliest, then name, payload, subtype. */
    boolean before(SilverRow other) {
      if (createdAt != other.createdAt) {
        return createdAt < other.createdAt;
      }
      int c = name.toStringUsingUTF8().compareTo(other.name.toStringUsingUTF8());
      if (c == 0) {
        c = payload.toStringUsingUTF8().compareTo(other.payload.toStringUsingUTF8());
      }
      if (c == 0) {
        c = text(subtype).compareTo(text(other.subtype));
      }
      return c < 0;
    }

    SilverRow merge(SilverRow other) {
      SilverRow first = other.before(this) ? other : this;
      first.copies = copies + other.copies;
      return first;
    }

    private static String text(Binary b) {
      return b == null ? "" : b.toStringUsingUTF8();
    }
  }

  /** The key of a kept row: creation date (epoch day) and uuid. */
  /** Per date, event type and subtype, as {@code gold/event_stats} holds them. */
  private static final class Stats {
    long events;
    long distinct;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
  }

  /**
   * De-duplicates the silver rows of {@code dates} in as many passes over the input as memory needs
   * ({@link #passes}; each pass keeps the uuids of one hash bucket and copies no other row's
   * values), writing one file per gold partition and pass ({@code
   * part-reference-<pass>-of-<passes>}: a pass's writers are closed as it ends, so their buffered
   * pages do not add up over the passes).
   */
  static String gold(LakeLayout lake, List<LocalDate> dates, Window window, int threads)
      throws Exception {
    List<Path> files = new ArrayList<>();
    long rows = 0;
    long decodedBytes = 0;
    for (Instant hour : window.hours(dates)) {
      Path dir =
          Paths.get(
              lake.resolve(
                  LakeTable.SILVER_EVENTS.relativeLocation()
                      + "/"
                      + Dataset.SILVER_EVENTS.hourUnit(hour).name()));
      for (Path f : visibleFiles(dir, ".parquet")) {
        files.add(f);
        try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(f))) {
          for (BlockMetaData block : footer.getFooter().getBlocks()) {
            rows += block.getRowCount();
            decodedBytes += block.getTotalByteSize();
          }
        }
      }
    }
    int passes = passes(rows, decodedBytes, Runtime.getRuntime().maxMemory());
    Map<String, Stats> stats = new TreeMap<>();
    long read = 0;
    long kept = 0;
    for (int pass = 0; pass < passes; pass++) {
      Bucket bucket = new Bucket(pass, passes);
      ConcurrentHashMap<Binary, SilverRow> byUuid = new ConcurrentHashMap<>();
      AtomicLong readInPass = new AtomicLong();
      List<Callable<Void>> readers = new ArrayList<>();
      for (Path file : files) {
        readers.add(
            () -> {
              Instant hour = arrivalHourOf(file);
              long inFile = 0;
              try (ParquetReader<SilverRow> reader = new SilverReader(file, bucket).build()) {
                SilverRow row;
                while ((row = reader.read()) != null) {
                  firstRecord();
                  if (row.uuid == null) {
                    continue; // of another pass's bucket
                  }
                  LocalDate created =
                      LakeLayout.dateOf(EventEnrichment.instantOfMicros(row.createdAt));
                  if (dates.contains(created) && window.contains(created, hour)) {
                    inFile++;
                    byUuid.merge(row.uuid, row, SilverRow::merge);
                  }
                }
              }
              readInPass.addAndGet(inFile);
              return null;
            });
      }
      runAll(readers, threads);
      read += readInPass.get();
      kept += byUuid.size();

      Map<String, List<SilverRow>> byPartition = new HashMap<>();
      for (SilverRow row : byUuid.values()) {
        LocalDate date = LakeLayout.dateOf(EventEnrichment.instantOfMicros(row.createdAt));
        String type = row.type.toStringUsingUTF8();
        byPartition
            .computeIfAbsent("event_type=" + type + "/date=" + date, k -> new ArrayList<>())
            .add(row);
        Stats s =
            stats.computeIfAbsent(
                date
                    + "|"
                    + type
                    + "|"
                    + (row.subtype == null ? "" : row.subtype.toStringUsingUTF8()),
                k -> new Stats());
        s.events += row.copies;
        s.distinct++;
        s.first = Math.min(s.first, row.createdAt);
        s.last = Math.max(s.last, row.createdAt);
      }
      byUuid.clear();
      Map<String, ParquetWriter<Object[]>> writers = new ConcurrentHashMap<>();
      String name = file(pass, passes);
      List<Callable<Void>> writes = new ArrayList<>();
      for (Map.Entry<String, List<SilverRow>> p : byPartition.entrySet()) {
        writes.add(
            () -> {
              ParquetWriter<Object[]> w =
                  writers.computeIfAbsent(p.getKey(), k -> goldWriter(lake, k, name));
              for (SilverRow r : p.getValue()) {
                w.write(
                    new Object[] {r.uuid, r.name, r.subtype, r.createdAt, r.datetime, r.payload});
              }
              return null;
            });
      }
      runAll(writes, threads);
      List<Callable<Void>> closes = new ArrayList<>();
      for (ParquetWriter<Object[]> w : writers.values()) {
        closes.add(
            () -> {
              w.close();
              return null;
            });
      }
      runAll(closes, threads);
    }
    writeStats(lake, stats);
    return String.format(
        Locale.ROOT,
        "reference gold: read %d, written %d, duplicates removed %d, %d pass(es)",
        read,
        kept,
        read - kept,
        passes);
  }

  /**
   * Passes over the silver files for {@code rows} rows of {@code decodedBytes} (their row groups'
   * uncompressed size) in a heap of {@code maxHeap} bytes: a kept row takes its decoded bytes and
   * about {@link #ROW_OVERHEAD} more (the row, its seven values' objects and arrays, its map
   * entry), and a pass's rows get a third of the heap (its writers' pages and the collector take
   * the rest).
   */
  static int passes(long rows, long decodedBytes, long maxHeap) {
    if (rows == 0) {
      return 1;
    }
    double perRow = (double) decodedBytes / rows + ROW_OVERHEAD;
    return (int) Math.max(1, Math.ceil(rows * perRow / (maxHeap / 3.0)));
  }

  /** Heap bytes a held silver row takes besides its values' bytes. */
  static final int ROW_OVERHEAD = 512;

  /** The uuids one pass keeps: those whose hash falls in bucket {@code index} of {@code count}. */
  record Bucket(int index, int count) {
    boolean holds(Binary uuid) {
      return count == 1 || Math.floorMod(uuid.hashCode(), count) == index;
    }
  }

  private static ParquetWriter<Object[]> goldWriter(
      LakeLayout lake, String partition, String file) {
    try {
      return writer(
          Paths.get(
              lake.resolve(
                  LakeTable.GOLD_EVENTS.relativeLocation()
                      + "/"
                      + partition
                      + "/"
                      + file
                      + ".parquet")),
          GOLD);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeStats(LakeLayout lake, Map<String, Stats> stats) throws IOException {
    Map<String, List<Map.Entry<String, Stats>>> byDate =
        stats.entrySet().stream()
            .collect(
                Collectors.groupingBy(
                    e -> e.getKey().substring(0, e.getKey().indexOf('|')),
                    TreeMap::new,
                    Collectors.toList()));
    for (Map.Entry<String, List<Map.Entry<String, Stats>>> date : byDate.entrySet()) {
      Path file =
          Paths.get(
              lake.resolve(
                  LakeTable.GOLD_EVENT_STATS.relativeLocation()
                      + "/"
                      + Dataset.GOLD_EVENTS.dateUnit(LocalDate.parse(date.getKey())).name()
                      + "/"
                      + FILE
                      + ".parquet"));
      try (ParquetWriter<Object[]> w = writer(file, STATS)) {
        for (Map.Entry<String, Stats> e : date.getValue()) {
          String[] key = e.getKey().split("\\|", -1);
          Stats s = e.getValue();
          w.write(
              new Object[] {
                Binary.fromString(key[1]),
                key[2].isEmpty() ? null : Binary.fromString(key[2]),
                s.events,
                s.distinct,
                s.events - s.distinct,
                s.first,
                s.last
              });
        }
      }
    }
  }

  // ---- plumbing ----

  private static void runAll(List<Callable<Void>> tasks, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  static List<Path> visibleFiles(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isRegularFile)
          .filter(
              p -> {
                String name = p.getFileName().toString();
                return !name.startsWith(".") && !name.startsWith("_") && name.endsWith(suffix);
              })
          .sorted(Comparator.naturalOrder())
          .collect(Collectors.toList());
    }
  }

  private static Instant arrivalHourOf(Path silverFile) {
    String hourDir = silverFile.getParent().getFileName().toString(); // hour=HH
    String dtDir = silverFile.getParent().getParent().getFileName().toString(); // dt=YYYY-MM-DD
    return Instant.parse(
        dtDir.substring("dt=".length()) + "T" + hourDir.substring("hour=".length()) + ":00:00Z");
  }

  static List<Instant> hours(String from, String to) {
    List<Instant> hours = new ArrayList<>();
    Instant end = Instant.parse(to + ":00:00Z");
    for (Instant h = Instant.parse(from + ":00:00Z");
        !h.isAfter(end);
        h = h.plus(1, ChronoUnit.HOURS)) {
      hours.add(h);
    }
    return hours;
  }

  static List<LocalDate> dates(String from, String to) {
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate d = LocalDate.parse(from); !d.isAfter(LocalDate.parse(to)); d = d.plusDays(1)) {
      dates.add(d);
    }
    return dates;
  }

  /** Snappy Parquet of {@code schema}, with parquet-java's defaults, as Beam's sink writes it. */
  static ParquetWriter<Object[]> writer(Path file, MessageType schema) throws IOException {
    Files.createDirectories(file.getParent());
    return new RowWriter(new LocalOutputFile(file), schema)
        .withConf(new Configuration(false))
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build();
  }

  /** Writes rows given as values in the schema's column order: Binary, Long, or null. */
  private static final class RowWriter extends ParquetWriter.Builder<Object[], RowWriter> {
    private final MessageType schema;

    RowWriter(OutputFile file, MessageType schema) {
      super(file);
      this.schema = schema;
    }

    @Override
    protected RowWriter self() {
      return this;
    }

    // parquet-java 1.17 still declares the Hadoop Configuration variants abstract: they must be
    // implemented, deprecated or not.
    @Override
    @SuppressWarnings("deprecation")
    protected WriteSupport<Object[]> getWriteSupport(Configuration conf) {
      return new WriteSupport<>() {
        private RecordConsumer out;

        @Override
        @SuppressWarnings("deprecation")
        public WriteContext init(Configuration configuration) {
          return new WriteContext(schema, Map.of());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
          this.out = recordConsumer;
        }

        @Override
        public void write(Object[] row) {
          out.startMessage();
          for (int i = 0; i < row.length; i++) {
            Object value = row[i];
            if (value == null) {
              continue;
            }
            out.startField(schema.getFieldName(i), i);
            if (value instanceof Long l) {
              out.addLong(l);
            } else {
              out.addBinary((Binary) value);
            }
            out.endField(schema.getFieldName(i), i);
          }
          out.endMessage();
        }
      };
    }
  }

  /**
   * Reads silver files into {@link SilverRow}s, column by column, with no Avro in between; a row
   * whose uuid is not in {@code bucket} comes back with no values (a null {@code uuid}), none
   * copied.
   */
  static final class SilverReader extends ParquetReader.Builder<SilverRow> {
    private final Bucket bucket;

    SilverReader(Path file, Bucket bucket) {
      super(new LocalInputFile(file));
      this.bucket = bucket;
    }

    @Override
    protected ReadSupport<SilverRow> getReadSupport() {
      return new ReadSupport<>() {
        @Override
        public ReadContext init(InitContext context) {
          return new ReadContext(SILVER);
        }

        @Override
        @SuppressWarnings("deprecation")
        public RecordMaterializer<SilverRow> prepareForRead(
            Configuration conf,
            Map<String, String> metadata,
            MessageType fileSchema,
            ReadContext context) {
          return new SilverMaterializer(bucket);
        }
      };
    }
  }

  private static final class SilverMaterializer extends RecordMaterializer<SilverRow> {
    private final Bucket bucket;
    private SilverRow row;
    private boolean held;
    private final Converter[] columns = new Converter[SILVER.getFieldCount()];
    private final GroupConverter root =
        new GroupConverter() {
          @Override
          public Converter getConverter(int field) {
            return columns[field];
          }

          @Override
          public void start() {
            row = new SilverRow();
            held = true;
          }

          @Override
          public void end() {}
        };

    SilverMaterializer(Bucket bucket) {
      this.bucket = bucket;
      if (SILVER.getFieldIndex("event_uuid") != 0) {
        throw new IllegalStateException("the uuid must be read first, to skip other rows' values");
      }
      columns[SILVER.getFieldIndex("event_uuid")] =
          new PrimitiveConverter() {
            @Override
            public void addBinary(Binary value) {
              held = SilverMaterializer.this.bucket.holds(value);
              if (held) {
                row.uuid = Binary.fromConstantByteArray(value.getBytes());
              }
            }
          };
      columns[SILVER.getFieldIndex("event_name")] = binary((r, b) -> r.name = b);
      columns[SILVER.getFieldIndex("event_type")] = binary((r, b) -> r.type = b);
      columns[SILVER.getFieldIndex("event_subtype")] = binary((r, b) -> r.subtype = b);
      columns[SILVER.getFieldIndex("created_datetime")] = binary((r, b) -> r.datetime = b);
      columns[SILVER.getFieldIndex("payload")] = binary((r, b) -> r.payload = b);
      columns[SILVER.getFieldIndex("created_at")] =
          new PrimitiveConverter() {
            @Override
            public void addLong(long value) {
              if (held) {
                row.createdAt = value;
              }
            }
          };
    }

    private PrimitiveConverter binary(java.util.function.BiConsumer<SilverRow, Binary> set) {
      return new PrimitiveConverter() {
        @Override
        public void addBinary(Binary value) {
          if (!held) {
            return;
          }
          // Into an array of its own: a page's values share one ByteBuffer, whose position
          // Binary.getBytes moves (the writers' statistics call it), so two threads writing rows
          // of one page would race on it. Binary.copy() keeps that buffer when the page is not
          // reused.
          set.accept(row, Binary.fromConstantByteArray(value.getBytes()));
        }
      };
    }

    @Override
    public SilverRow getCurrentRecord() {
      return row;
    }

    @Override
    public GroupConverter getRootConverter() {
      return root;
    }
  }

  /** A quarantine file opened on its first line, so hours without rejects get none. */
  private static final class LazyOutput implements AutoCloseable {
    private final Path file;
    private OutputStream out;

    LazyOutput(Path file) {
      this.file = file;
    }

    void writeLine(String line) throws IOException {
      if (out == null) {
        Files.createDirectories(file.getParent());
        out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
      }
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }

    @Override
    public void close() throws IOException {
      if (out != null) {
        out.close();
      }
    }
  }

  /**
   * parquet-java 1.13 has no local {@link OutputFile} without Hadoop's filesystem (and .crc files).
   */
  private static final class LocalOutputFile implements OutputFile {
    private final Path file;

    LocalOutputFile(Path file) {
      this.file = file;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
      return createOrOverwrite(blockSizeHint);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
      OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
      return new PositionOutputStream() {
        private long position;

        @Override
        public long getPos() {
          return position;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          position += len;
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          out.close();
        }
      };
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }

  private static final class LocalInputFile implements InputFile {
    private final Path file;

    LocalInputFile(Path file) {
      this.file = file;
    }

    @Override
    public long getLength() throws IOException {
      return Files.size(file);
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      return new DelegatingSeekableInputStream(java.nio.channels.Channels.newInputStream(channel)) {
        @Override
        public long getPos() throws IOException {
          return channel.position();
        }

        @Override
        public void seek(long position) throws IOException {
          channel.position(position);
        }
      };
    }
  }
}
