package io.medallion.lake.bench;

import io.medallion.lake.bronze.WriteBronzeFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.BronzeEvents;
import io.medallion.lake.pipelines.ProduceEvents;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.runners.Lake;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * The streaming bronze writer's throughput without Kinesis: the bench's own input records ({@link
 * EventGenerator} with the settings {@link Bench} produces its input with, the same records byte
 * for byte, each stamped with its arrival time as KinesisIO stamps a record) fed to {@link
 * BronzeEvents#build}, the graph {@code lake bronze} runs behind its Kinesis read, in streaming
 * mode, writing arrival-hour folders and rolling files as Firehose does ({@link WriteBronzeFiles}).
 *
 * <p>It runs on the bench's class path, in a child JVM of the bench, through the launcher's {@link
 * Lake#run(Lake.Command, String[], PrintStream, PrintStream)} as a streaming command: on Flink it
 * gets the same defaults as {@code lake bronze} (parallelism, checkpointing, state folder under the
 * lake). The product jar gets no source that exists only to be measured. One DoFn generates every
 * record: the generator is sequential (its duplicates are re-sent from a queue), so the source is
 * one core's work at most; on the DirectRunner that one element's outputs are held in memory until
 * it returns (peak RSS 1.6 GB for 211,882 records), which bounds that runner's stage to about a
 * million events per 4 GiB of heap ({@link #tooLargeForDirectRunner}: the bench skips it above),
 * and reach the writer in one bundle, so its files are not cut at {@code --bufferMaxRecords}.
 *
 * <pre>{@code
 * java -cp runners/target/lake.jar:src/bench/target/classes io.medallion.lake.bench.BenchBronze \
 *     --lake=/tmp/bronze-bench --events=200000 --hours=24 --runner=FlinkRunner
 * }</pre>
 *
 * <p>{@link #readBack} reads the files back with a reader of its own (lines, and the base64 lines
 * of {@code _unframed/}) for the bench to compare with what was generated.
 */
public final class BenchBronze {
  private BenchBronze() {}

  /**
   * What to generate and how to write it; the writer's settings default to {@code lake bronze}'s.
   */
  public interface Options extends LakeOptions {
    @Description("Distinct valid events to generate (the bench's --events).")
    @Default.Long(100_000)
    long getEvents();

    void setEvents(long value);

    @Description("Arrival hours the events spread over, from 2026-01-01T12 (the bench's --hours).")
    @Default.Integer(24)
    int getHours();

    void setHours(int value);

    @Description("Generator seed (the bench's --seed).")
    @Default.Long(42)
    long getSeed();

    void setSeed(long value);

    @Description("Close a bronze file after this much processing time (ISO-8601), like Firehose.")
    @Default.String("PT60S")
    String getBufferInterval();

    void setBufferInterval(String value);

    @Description("Close a bronze file after this many records (per hour and writer shard).")
    @Default.Integer(100_000)
    int getBufferMaxRecords();

    void setBufferMaxRecords(int value);

    @Description("Files written in parallel per buffer flush.")
    @Default.Integer(1)
    int getBronzeShards();

    void setBronzeShards(int value);
  }

  /**
   * The most generated records the DirectRunner's stage is run with per 4 GiB of heap: it holds
   * them all in memory (the one generating element's outputs), 1,059,828 records (1M events) with a
   * peak RSS of 3.7 GB under {@code -Xmx4g}, and 10,599,265 ran out of heap after 221 s
   * (2026-12-06). Scaled with the heap.
   */
  static final long DIRECT_RECORDS_PER_4G = 1_100_000;

  /**
   * Why the DirectRunner's stage is not run for {@code records} generated records with {@code
   * heapBytes} of heap ({@link #DIRECT_RECORDS_PER_4G}), or empty when it is.
   */
  static Optional<String> tooLargeForDirectRunner(long records, long heapBytes) {
    long most = (long) (DIRECT_RECORDS_PER_4G * (heapBytes / (double) (4L << 30)));
    if (records <= most) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "the DirectRunner holds the %,d generated records in memory, at most about %,d with"
                + " this heap (the FlinkRunner's stage does not hold them:"
                + " --implementations=flink)",
            records,
            most));
  }

  /** Named like {@code lake bronze}'s state folder: {@code <lake>/_state/bench-bronze}. */
  static final Lake.Command COMMAND =
      new Lake.Command(
          "bench-bronze",
          "the bronze writer fed by the bench's generated records instead of Kinesis",
          Options.class,
          BenchBronze::run,
          true);

  public static void main(String[] args) {
    System.exit(Lake.run(COMMAND, args, System.out, System.err));
  }

  static void run(String[] args, PrintStream out) throws Exception {
    Options options = Lake.parse(args, Options.class);
    if (options.getRunner().getSimpleName().equals("FlinkRunner")) {
      // Flink keeps a bounded source of a checkpointed streaming job open for ever unless told to
      // shut it down once idle; the job then ends when every record has been written.
      options
          .as(org.apache.beam.runners.flink.FlinkPipelineOptions.class)
          .setShutdownSourcesAfterIdleMs(0L);
    }
    options.as(org.apache.beam.sdk.options.StreamingOptions.class).setStreaming(true);
    BronzeEvents.Config config =
        new BronzeEvents.Config(
            Lakes.create(options, options.getLake()),
            Args.newRunId(),
            Args.joda("--bufferInterval", options.getBufferInterval()),
            Args.positive("--bufferMaxRecords", options.getBufferMaxRecords()),
            Args.positive("--bronzeShards", options.getBronzeShards()),
            false,
            org.joda.time.Duration.standardSeconds(10));
    Pipeline pipeline = Pipeline.create(options);
    PCollection<KinesisRecord> records =
        pipeline
            .apply("Impulse", Impulse.create())
            .apply(
                "GenerateRecords",
                ParDo.of(
                    new GenerateRecordsFn(
                        options.getEvents(), options.getHours(), options.getSeed())))
            .setCoder(GeneratedRecordCoder.INSTANCE);
    BronzeEvents.build(records, config);
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("bench-bronze ended in state " + state);
    }
  }

  /** The generator settings of the bench's input: {@link Bench#produce}'s, from the same values. */
  static EventGenerator.Settings settings(long events, int hours, long seed) {
    return ProduceEvents.settings(
        PipelineOptionsFactory.fromArgs(
                "--events=" + events,
                "--hours=" + hours,
                "--seed=" + seed,
                "--start=" + Bench.START.toString().substring(0, 13))
            .as(ProduceEvents.Options.class));
  }

  /** Every generated record as Kinesis would deliver it, stamped with its arrival time. */
  static final class GenerateRecordsFn extends DoFn<byte[], KinesisRecord> {
    private final long events;
    private final int hours;
    private final long seed;

    GenerateRecordsFn(long events, int hours, long seed) {
      this.events = events;
      this.hours = hours;
      this.seed = seed;
    }

    @ProcessElement
    public void process(OutputReceiver<KinesisRecord> out) {
      long[] sequence = {0};
      new EventGenerator(settings(events, hours, seed))
          .generate(
              r -> {
                org.joda.time.Instant arrival =
                    new org.joda.time.Instant(r.arrival().toEpochMilli());
                out.outputWithTimestamp(
                    GeneratedRecordCoder.record(r.bytes(), sequence[0]++, arrival), arrival);
              });
    }
  }

  /**
   * A generated record's data, sequence number and arrival time (KinesisIO's own coder is not
   * public); the stream and shard are the same for every record.
   */
  static final class GeneratedRecordCoder extends AtomicCoder<KinesisRecord> {
    static final GeneratedRecordCoder INSTANCE = new GeneratedRecordCoder();
    private static final String STREAM = "generated";
    private static final String SHARD = "shardId-000000000000";

    static KinesisRecord record(byte[] data, long sequence, org.joda.time.Instant arrival) {
      return new KinesisRecord(
          ByteBuffer.wrap(data),
          Long.toString(sequence),
          0,
          SHARD,
          arrival,
          arrival,
          STREAM,
          SHARD);
    }

    @Override
    public void encode(KinesisRecord value, OutputStream out) throws IOException {
      ByteArrayCoder.of().encode(value.getDataAsBytes(), out);
      StringUtf8Coder.of().encode(value.getSequenceNumber(), out);
      VarLongCoder.of().encode(value.getApproximateArrivalTimestamp().getMillis(), out);
    }

    @Override
    public KinesisRecord decode(InputStream in) throws IOException {
      byte[] data = ByteArrayCoder.of().decode(in);
      String sequence = StringUtf8Coder.of().decode(in);
      org.joda.time.Instant arrival = new org.joda.time.Instant(VarLongCoder.of().decode(in));
      return new KinesisRecord(
          ByteBuffer.wrap(data), sequence, 0, SHARD, arrival, arrival, STREAM, SHARD);
    }
  }

  /**
   * A multiset of records: how many, an order-free digest of their bytes, and how many per arrival
   * hour. Two equal contents mean the same records, whatever order or files they came in.
   */
  public record Contents(long records, long digest, Map<Instant, Long> byHour) {}

  /** What the generator makes for these settings. */
  static Contents generated(EventGenerator.Settings settings) {
    long[] digest = {0};
    EventGenerator.Summary summary =
        new EventGenerator(settings).generate(r -> digest[0] += hash(r.bytes()));
    return new Contents(summary.records, digest[0], new TreeMap<>(summary.recordsByArrivalHour));
  }

  /**
   * The records in a lake's bronze files, read back: each line of an hour's {@code .jsonl[.gz]}
   * file is a record (the generator's records hold no line break), each line of {@code _unframed/}
   * holds one in base64 ({@link WriteBronzeFiles.UnframedLine}). The hour is the file's folder.
   */
  static Contents readBack(Path lake) throws IOException {
    Path bronze = lake.resolve(LakeLayout.BRONZE_EVENTS);
    long records = 0;
    long digest = 0;
    Map<Instant, Long> byHour = new TreeMap<>();
    if (!Files.isDirectory(bronze)) {
      return new Contents(0, 0, byHour);
    }
    List<Path> files;
    try (Stream<Path> all = Files.walk(bronze)) {
      files =
          all.filter(Files::isRegularFile)
              .filter(p -> p.getFileName().toString().matches(".*\\.jsonl(\\.gz)?"))
              .sorted()
              .collect(Collectors.toList());
    }
    for (Path file : files) {
      boolean unframed =
          file.getParent().getFileName().toString().equals(WriteBronzeFiles.UNFRAMED_FOLDER);
      Path hourFolder = unframed ? file.getParent().getParent() : file.getParent();
      Instant hour = LakeLayout.bronzeHourOf(hourFolder.resolve("x").toString());
      InputStream in = Files.newInputStream(file);
      if (file.toString().endsWith(".gz")) {
        in = new GZIPInputStream(in);
      }
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1))) {
        // ISO-8859-1 maps every byte to one char and back: the record's bytes, whatever they are.
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
          if (unframed) {
            bytes = WriteBronzeFiles.UnframedLine.fromJson(bytes).raw();
          }
          records++;
          digest += hash(bytes);
          byHour.merge(hour, 1L, Long::sum);
        }
      }
    }
    return new Contents(records, digest, byHour);
  }

  /** 64-bit FNV-1a of a record's bytes, finished with a mix so that sums of hashes stay spread. */
  static long hash(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }

  /** One line for the bench's checks: what was read back against what was generated. */
  static String check(String implementation, Contents expected, Contents written) {
    boolean same = expected.equals(written);
    return String.format(
        Locale.ROOT,
        "bronze %s: %,d records read back of %,d generated, in %d of %d arrival hours, digest %s:"
            + " %s",
        implementation,
        written.records(),
        expected.records(),
        written.byHour().size(),
        expected.byHour().size(),
        written.digest() == expected.digest() ? "equal" : "different",
        same ? "ok" : "MISMATCH");
  }
}
