package io.medallion.lake.io;

import io.medallion.lake.layout.LakeLayout;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.AfterFirst;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Lands raw records in the bronze layer as Kinesis Firehose would: JSON lines in {@code
 * bronze/events/YYYY/MM/DD/HH/} by arrival hour (UTC), a file closed every {@code bufferInterval}
 * of processing time or every {@code bufferMaxRecords} records of a shard, whichever comes first.
 * Returns the files written.
 *
 * <p>The input's element timestamps must be the arrival times (KinesisIO stamps each record with
 * its approximate arrival timestamp). Bytes are written as received, one record a line; nothing is
 * parsed or dropped, so a malformed record is still bronze. The one exception is a line break
 * inside a record, which would split it into two lines: each {@code \n} or {@code \r} byte becomes
 * a space (counted as {@code bronze_records_with_line_breaks}). In a valid JSON document a raw line
 * break can only be whitespace between tokens, so such a document keeps its value.
 *
 * <p>A record that arrives after the watermark passed the end of its hour (a lagging shard, a
 * replay) is still written into its arrival hour's folder by a later pane, as long as it is at most
 * {@code allowedLateness} behind the watermark.
 *
 * <p>File names are {@code events-YYYY-MM-DD-HH-<run>-pane-<pane>-shard-<s>-of-<n>.jsonl[.gz]}: no
 * colons, one name per run, window, pane and shard. The run id makes a replay (a restarted job
 * reading the same records again) write new files instead of overwriting files that held other
 * records (apache/beam#26041).
 */
public final class WriteBronzeFiles extends PTransform<PCollection<byte[]>, PCollection<String>> {
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd-HH").withZone(ZoneOffset.UTC);

  private final LakeLayout lake;
  private final String runId;
  private final Duration bufferInterval;
  private final int bufferMaxRecords;
  private final Duration allowedLateness;
  private final int shards;
  private final boolean gzip;

  private WriteBronzeFiles(Builder b) {
    this.lake = b.lake;
    this.runId = b.runId;
    this.bufferInterval = b.bufferInterval;
    this.bufferMaxRecords = b.bufferMaxRecords;
    this.allowedLateness = b.allowedLateness;
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
    private Duration allowedLateness = Duration.standardHours(6);
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

    public Builder allowedLateness(Duration value) {
      this.allowedLateness = value;
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
            Window.<byte[]>into(FixedWindows.of(Duration.standardHours(1)))
                .triggering(
                    // Firehose's buffer: close a file when it holds enough records or has been
                    // open long enough, whichever comes first. No watermark trigger: an hour's
                    // last records are flushed by the same clock, so no pane waits for the hour.
                    Repeatedly.forever(
                        AfterFirst.of(
                            AfterPane.elementCountAtLeast(bufferMaxRecords),
                            AfterProcessingTime.pastFirstElementInPane()
                                .plusDelayOf(bufferInterval))))
                .withAllowedLateness(allowedLateness)
                .discardingFiredPanes())
        .apply(
            "WriteJsonLines",
            FileIO.<byte[]>write()
                .via(new JsonLinesSink())
                .to(lake.resolve(LakeLayout.BRONZE_EVENTS))
                .withTempDirectory(lake.resolve("_tmp/bronze"))
                .withNaming(new HourFolderNaming(runId))
                .withCompression(compression)
                .withNumShards(shards))
        .getPerDestinationOutputFilenames()
        .apply("FileNames", Values.create())
        .apply("CountFiles", ParDo.of(new CountFilesFn()));
  }

  /** The file name under {@code bronze/events/} for a pane of an arrival-hour window. */
  static String fileName(
      String runId, IntervalWindow window, PaneInfo pane, int shard, int shards, String suffix) {
    Instant hour = Instant.ofEpochMilli(window.start().getMillis());
    String folder = LakeLayout.bronzeHourFolder(hour);
    return String.format(
        "%s/events-%s-%s-pane-%04d-shard-%05d-of-%05d.jsonl%s",
        folder, HOUR.format(hour), runId, pane.getIndex(), shard, shards, suffix);
  }

  /** Names files by their window's arrival hour, run, pane and shard. */
  static final class HourFolderNaming implements FileIO.Write.FileNaming {
    private final String runId;

    HourFolderNaming(String runId) {
      this.runId = runId;
    }

    @Override
    public String getFilename(
        BoundedWindow window, PaneInfo pane, int numShards, int shardIndex, Compression c) {
      if (!(window instanceof IntervalWindow)) {
        throw new IllegalStateException("bronze files are written per arrival hour, got " + window);
      }
      return fileName(
          runId, (IntervalWindow) window, pane, shardIndex, numShards, c.getSuggestedSuffix());
    }
  }

  /** One record a line, its bytes as received (line breaks inside a record become spaces). */
  static final class JsonLinesSink implements FileIO.Sink<byte[]> {
    private final Counter records = Metrics.counter(WriteBronzeFiles.class, "bronze_records");
    private final Counter withLineBreaks =
        Metrics.counter(WriteBronzeFiles.class, "bronze_records_with_line_breaks");
    private transient OutputStream out;

    @Override
    public void open(WritableByteChannel channel) {
      out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    @Override
    public void write(byte[] record) throws IOException {
      out.write(oneLine(record));
      out.write('\n');
      records.inc();
    }

    private byte[] oneLine(byte[] record) {
      byte[] line = null;
      for (int i = 0; i < record.length; i++) {
        if (record[i] == '\n' || record[i] == '\r') {
          if (line == null) {
            line = record.clone();
            withLineBreaks.inc();
          }
          line[i] = ' ';
        }
      }
      return line == null ? record : line;
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
