package io.medallion.lake.bronze;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.layout.LakeLayout;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Locale;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.AfterFirst;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Lands raw records in the bronze layer as Kinesis Firehose would: files in {@code
 * bronze/events/YYYY/MM/DD/HH/} by arrival hour (UTC), a file closed every {@code bufferInterval}
 * of processing time or every {@code bufferMaxRecords} records of an hour and shard, whichever
 * comes first. Returns the files written.
 *
 * <p>The input's element timestamps must be the arrival times (KinesisIO stamps each record with
 * its approximate arrival timestamp). Nothing is parsed, changed or dropped: a malformed record is
 * still bronze.
 *
 * <p><b>Never late.</b> Records are buffered in Beam's global window, which never closes while the
 * job runs, and each record picks its arrival hour's folder itself (a dynamic destination), so a
 * record that arrives any time after the watermark passed its hour (a lagging shard, a replay, a
 * stall of days) still lands in that hour's folder, in a later file. No lateness horizon exists to
 * drop it behind. The state kept per hour and writer shard is a pane counter, a few bytes.
 *
 * <p><b>Framing.</b> A bronze file is a sequence of records, each written as received and followed
 * by {@code \n}, and a reader splits it back into top-level JSON values. Every record that such a
 * reader gets back exactly (the record's JSON values, byte for byte) is written this way: a record
 * with no raw line break (one line, whatever its bytes: malformed JSON and bytes that are not UTF-8
 * included), and a record with raw line breaks that is a sequence of complete JSON values (a
 * pretty-printed document keeps its line breaks). The records no reader could get back from such a
 * file are kept in the same hour, in {@code HH/_unframed/}, one JSON line each with their bytes in
 * base64 and a {@link Unframed reason}: an empty record, a record of whitespace only, and a record
 * with a raw line break that is not JSON (its lines would be read as several records). The format
 * of such a line is {@link UnframedLine}; silver's reader ({@link ReadBronzeEvents}) reads them
 * back as records with their original bytes. The {@code _} hides the folder from readers of bronze
 * files, Athena included.
 *
 * <p>File names are {@code events-YYYY-MM-DD-HH-<run>-pane-<pane>-shard-<s>-of-<n>.jsonl[.gz]}: no
 * colons, one name per run, hour, pane and shard. The run id makes a replay by a new launch (a job
 * resumed from a savepoint, reading the same records again) write new files instead of overwriting
 * files that held other records (apache/beam#26041). Within one launch the pane counter is state: a
 * Flink failover restores it with the source's position from the same checkpoint, so a pane fired
 * after that checkpoint fires again under the same name with the records read since, and replaces a
 * file whose records are all read again.
 */
public final class WriteBronzeFiles extends PTransform<PCollection<byte[]>, PCollection<String>> {
  /** The sub-folder of an arrival hour holding the records the JSON framing cannot carry. */
  public static final String UNFRAMED_FOLDER = "_unframed";

  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd-HH", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final LakeLayout lake;
  private final String runId;
  private final Duration bufferInterval;
  private final int bufferMaxRecords;
  private final int shards;
  private final boolean gzip;

  private WriteBronzeFiles(Builder b) {
    this.lake = b.lake;
    this.runId = b.runId;
    this.bufferInterval = b.bufferInterval;
    this.bufferMaxRecords = b.bufferMaxRecords;
    this.shards = b.shards;
    this.gzip = b.gzip;
  }

  public static Builder to(LakeLayout lake, String runId) {
    return new Builder(lake, runId);
  }

  /** The settings of a bronze writer; defaults are Firehose's (60 s, no gzip). */
  public static final class Builder {
    private final LakeLayout lake;
    private final String runId;
    private Duration bufferInterval = Duration.standardSeconds(60);
    private int bufferMaxRecords = 100_000;
    private int shards = 1;
    private boolean gzip;

    private Builder(LakeLayout lake, String runId) {
      if (runId.isEmpty() || !runId.matches("[A-Za-z0-9_-]+")) {
        throw new IllegalArgumentException("run id must be [A-Za-z0-9_-]+, got '" + runId + "'");
      }
      this.lake = lake;
      this.runId = runId;
    }

    public Builder bufferInterval(Duration value) {
      if (!value.isLongerThan(Duration.ZERO)) {
        throw new IllegalArgumentException("--bufferInterval: must be positive, got " + value);
      }
      this.bufferInterval = value;
      return this;
    }

    public Builder bufferMaxRecords(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("--bufferMaxRecords: must be at least 1, got " + value);
      }
      this.bufferMaxRecords = value;
      return this;
    }

    /** Files written in parallel per flush; each shard buffers up to {@code bufferMaxRecords}. */
    public Builder shards(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("--bronzeShards: must be at least 1, got " + value);
      }
      this.shards = value;
      return this;
    }

    public Builder gzip(boolean value) {
      this.gzip = value;
      return this;
    }

    public WriteBronzeFiles build() {
      return new WriteBronzeFiles(this);
    }
  }

  @Override
  public PCollection<String> expand(PCollection<byte[]> records) {
    Compression compression = gzip ? Compression.GZIP : Compression.UNCOMPRESSED;
    return records
        .apply(
            "ArrivalHours",
            Window.<byte[]>into(new GlobalWindows())
                .triggering(
                    // Firehose's buffer: close a file when it holds enough records or has been
                    // open long enough, whichever comes first. The global window never expires,
                    // so no record is ever behind it: the arrival hour is the destination below,
                    // not a window that could close.
                    Repeatedly.forever(
                        AfterFirst.of(
                            AfterPane.elementCountAtLeast(bufferMaxRecords),
                            AfterProcessingTime.pastFirstElementInPane()
                                .plusDelayOf(bufferInterval))))
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes())
        .apply("FrameRecords", ParDo.of(new FrameRecordFn()))
        .setCoder(KvCoder.of(Destination.Coder.of(), ByteArrayCoder.of()))
        .apply(
            "WriteJsonLines",
            FileIO.<Destination, KV<Destination, byte[]>>writeDynamic()
                .by(KV::getKey)
                .withDestinationCoder(Destination.Coder.of())
                .via(Contextful.fn(KV::getValue), Contextful.fn(d -> new LinesSink()))
                .to(lake.resolve(LakeLayout.BRONZE_EVENTS))
                .withTempDirectory(lake.resolve(LakeLayout.STAGING + "/bronze"))
                .withNaming(d -> new HourFolderNaming(runId, d))
                .withCompression(compression)
                .withNumShards(shards))
        .getPerDestinationOutputFilenames()
        .apply("FileNames", Values.create())
        .apply("CountFiles", ParDo.of(new CountFilesFn()));
  }

  /** Why a record is kept in {@code _unframed/} rather than as a line of a bronze file. */
  public enum Unframed {
    /** No bytes at all: a line with nothing on it is no record to a JSON reader. */
    EMPTY_RECORD,
    /** Only spaces, tabs and line breaks: whitespace between JSON values, to a reader. */
    BLANK_RECORD,
    /** A raw line break inside a record that is not JSON: a reader would split it in pieces. */
    LINE_BREAK_IN_NON_JSON;

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Whether {@code record}, written as received and followed by {@code \n}, is read back exactly by
   * a reader that splits a file into top-level JSON values. Pure.
   *
   * @return null when it is, else why not
   */
  public static Unframed unframed(byte[] record) {
    if (record.length == 0) {
      return Unframed.EMPTY_RECORD;
    }
    boolean blank = true;
    boolean lineBreak = false;
    for (byte b : record) {
      lineBreak |= b == '\n' || b == '\r';
      blank &= b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
    if (blank) {
      return Unframed.BLANK_RECORD;
    }
    return lineBreak && !jsonValues(record) ? Unframed.LINE_BREAK_IN_NON_JSON : null;
  }

  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * One line of {@code _unframed/}: {@code {"reason":...,"arrival":...,"raw_base64":...}}, the
   * record's bytes in base64, the line ending not included. Written by this writer and read back by
   * {@link ReadBronzeEvents}; this is the one place the format is spelled.
   *
   * @param reason why the record is not in a bronze file
   * @param arrival when the record arrived (its element timestamp, millisecond precision)
   * @param raw the record exactly as received
   */
  public record UnframedLine(Unframed reason, Instant arrival, byte[] raw) {
    private static final String REASON = "reason";
    private static final String ARRIVAL = "arrival";
    private static final String RAW_BASE64 = "raw_base64";

    /** The line, UTF-8, without its line ending. */
    public byte[] toJson() {
      ObjectNode line = JsonNodeFactory.instance.objectNode();
      line.put(REASON, reason.code());
      line.put(ARRIVAL, arrival.toString());
      line.put(RAW_BASE64, Base64.getEncoder().encodeToString(raw));
      return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a line back, checking it is one this writer could have written: an object with exactly
     * the three members, a known reason that is the reason {@link #unframed} gives for the decoded
     * bytes, an ISO-8601 arrival, strict base64.
     *
     * @throws IllegalArgumentException saying what is wrong with the line
     */
    public static UnframedLine fromJson(byte[] line) {
      JsonNode node;
      try {
        node = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
      } catch (IOException e) {
        throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
      }
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      if (node.size() != 3
          || !node.path(REASON).isTextual()
          || !node.path(ARRIVAL).isTextual()
          || !node.path(RAW_BASE64).isTextual()) {
        throw new IllegalArgumentException(
            "expected the string members reason, arrival and raw_base64, and only them");
      }
      Unframed reason = null;
      for (Unframed u : Unframed.values()) {
        if (u.code().equals(node.get(REASON).textValue())) {
          reason = u;
        }
      }
      if (reason == null) {
        throw new IllegalArgumentException("unknown reason '" + node.get(REASON).textValue() + "'");
      }
      Instant arrival;
      try {
        arrival = Instant.parse(node.get(ARRIVAL).textValue());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("arrival is not an ISO-8601 instant", e);
      }
      byte[] raw;
      try {
        raw = Base64.getDecoder().decode(node.get(RAW_BASE64).textValue());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("raw_base64 is not base64: " + e.getMessage(), e);
      }
      Unframed actual = unframed(raw);
      if (actual != reason) {
        throw new IllegalArgumentException(
            "the line says "
                + reason.code()
                + " but its bytes are "
                + (actual == null ? "a framed record" : actual.code()));
      }
      return new UnframedLine(reason, arrival, raw);
    }
  }

  /** True when {@code bytes} are one or more complete JSON values, whitespace around them. */
  private static boolean jsonValues(byte[] bytes) {
    try (JsonParser parser = JSON.createParser(bytes)) {
      while (parser.nextToken() != null) {
        parser.skipChildren();
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The file name under {@code bronze/events/} for a pane of an arrival hour's records. */
  static String fileName(
      String runId, Destination destination, PaneInfo pane, int shard, int shards, String suffix) {
    Instant hour = Instant.ofEpochMilli(destination.hourMillis());
    String folder =
        LakeLayout.bronzeHourFolder(hour) + (destination.unframed() ? "/" + UNFRAMED_FOLDER : "");
    return String.format(
        Locale.ROOT,
        "%s/events-%s-%s-pane-%04d-shard-%05d-of-%05d.jsonl%s",
        folder,
        HOUR.format(hour),
        runId,
        pane.getIndex(),
        shard,
        shards,
        suffix);
  }

  /**
   * Where a record goes: its arrival hour (epoch millis of the hour's start), and whether it is one
   * of the records kept in {@code _unframed/}.
   */
  public record Destination(long hourMillis, boolean unframed) {
    /** A deterministic coder: destinations are grouping keys inside FileIO. */
    public static final class Coder extends AtomicCoder<Destination> {
      private static final Coder INSTANCE = new Coder();

      public static Coder of() {
        return INSTANCE;
      }

      @Override
      public void encode(Destination value, OutputStream out) throws IOException {
        VarLongCoder.of().encode(value.hourMillis(), out);
        BooleanCoder.of().encode(value.unframed(), out);
      }

      @Override
      public Destination decode(InputStream in) throws IOException {
        return new Destination(VarLongCoder.of().decode(in), BooleanCoder.of().decode(in));
      }

      @Override
      public void verifyDeterministic() {}
    }
  }

  /**
   * Sends each record to its arrival hour: as received when the framing carries it, else as a JSON
   * line of {@code _unframed/} ({@code reason}, {@code arrival}, {@code raw_base64}).
   */
  static final class FrameRecordFn extends DoFn<byte[], KV<Destination, byte[]>> {
    private final Counter records = Metrics.counter(WriteBronzeFiles.class, "bronze_records");
    private final Counter unframedRecords =
        Metrics.counter(WriteBronzeFiles.class, "bronze_records_unframed");
    private final Counter multiline =
        Metrics.counter(WriteBronzeFiles.class, "bronze_records_with_line_breaks");

    @ProcessElement
    public void process(
        @Element byte[] record,
        @Timestamp org.joda.time.Instant arrival,
        OutputReceiver<KV<Destination, byte[]>> out) {
      long hour =
          Instant.ofEpochMilli(arrival.getMillis()).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
      records.inc();
      Unframed why = unframed(record);
      if (why == null) {
        if (hasLineBreak(record)) {
          multiline.inc();
        }
        out.output(KV.of(new Destination(hour, false), record));
        return;
      }
      unframedRecords.inc();
      UnframedLine line = new UnframedLine(why, Instant.ofEpochMilli(arrival.getMillis()), record);
      out.output(KV.of(new Destination(hour, true), line.toJson()));
    }

    private static boolean hasLineBreak(byte[] record) {
      for (byte b : record) {
        if (b == '\n' || b == '\r') {
          return true;
        }
      }
      return false;
    }
  }

  /** Names files by their arrival hour, run, pane and shard. */
  static final class HourFolderNaming implements FileIO.Write.FileNaming {
    private final String runId;
    private final Destination destination;

    HourFolderNaming(String runId, Destination destination) {
      this.runId = runId;
      this.destination = destination;
    }

    @Override
    public String getFilename(
        BoundedWindow window, PaneInfo pane, int numShards, int shardIndex, Compression c) {
      return fileName(runId, destination, pane, shardIndex, numShards, c.getSuggestedSuffix());
    }
  }

  /** Each element's bytes exactly, then {@code \n}. */
  static final class LinesSink implements FileIO.Sink<byte[]> {
    private transient OutputStream out;

    @Override
    public void open(WritableByteChannel channel) {
      out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    @Override
    public void write(byte[] line) throws IOException {
      out.write(line);
      out.write('\n');
    }

    @Override
    public void flush() throws IOException {
      // FileIO closes the channel itself after flush.
      out.flush();
    }
  }

  static final class CountFilesFn extends DoFn<String, String> {
    private final Counter files = Metrics.counter(WriteBronzeFiles.class, "bronze_files_written");

    @ProcessElement
    public void process(@Element String file, OutputReceiver<String> out) {
      files.inc();
      out.output(file);
    }
  }
}
