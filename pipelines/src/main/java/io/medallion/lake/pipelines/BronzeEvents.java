package io.medallion.lake.pipelines;

import io.medallion.lake.bronze.WriteBronzeFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.aws.Kinesis;
import io.medallion.lake.pipelines.aws.KinesisOptions;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.progress.LogStreamProgress;
import java.io.IOException;
import java.net.URI;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisIO;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.kinesis.common.InitialPositionInStream;

/**
 * Bronze ingestion (streaming): Kinesis records land unchanged in {@code
 * bronze/events/YYYY/MM/DD/HH/} by arrival hour, as JSON lines, a file every {@code
 * --bufferInterval} or {@code --bufferMaxRecords} ({@link WriteBronzeFiles}); however late a record
 * arrives, it lands in its arrival hour. KPL-aggregated records arrive here as their user records:
 * KinesisIO de-aggregates them (KCL's {@code AggregatorUtil}), each user record with the arrival
 * time of the Kinesis record that carried it. Logs its progress every {@code --progressInterval}.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="bronze --stream=events --lake=s3://my-lake/prod --awsRegion=eu-west-1 --runner=FlinkRunner"
 * java -jar runners/target/lake.jar bronze --stream=events --lake=s3://my-lake/prod --awsRegion=eu-west-1
 * java -jar runners/target/lake.jar bronze --stream=events --runner=FlinkRunner --stateDir=/var/lib/lake/bronze \
 *     --kinesisEndpoint=http://127.0.0.1:4568 --s3Endpoint=http://127.0.0.1:9000 --lake=s3://lake/dev
 * }</pre>
 *
 * <p>A streaming job: on Flink the launcher checkpoints it, restarts it after a failure and resumes
 * a new launch from its last checkpoint ({@code src/docs/flink.md}); with no checkpoint it reads
 * from {@code --initialPosition}, by default everything the stream retains.
 */
public final class BronzeEvents {
  private BronzeEvents() {}

  public interface Options extends LakeOptions, KinesisOptions {
    @Description("Close a bronze file after this much processing time (ISO-8601), like Firehose.")
    @Default.String("PT60S")
    String getBufferInterval();

    void setBufferInterval(String value);

    @Description("Close a bronze file after this many records (per shard of the writer).")
    @Default.Integer(100_000)
    int getBufferMaxRecords();

    void setBufferMaxRecords(int value);

    @Description("Gzip the bronze files (.jsonl.gz).")
    @Default.Boolean(false)
    boolean getGzip();

    void setGzip(boolean value);

    @Description("Files written in parallel per buffer flush.")
    @Default.Integer(1)
    int getBronzeShards();

    void setBronzeShards(int value);

    @Description(
        "Where a job with no checkpoint to resume from starts reading: TRIM_HORIZON (every record"
            + " the stream retains: nothing that arrived while bronze was down is skipped, what"
            + " bronze already holds is written again and gold removes the duplicates), or LATEST"
            + " (only what arrives from now on).")
    @Default.Enum("TRIM_HORIZON")
    InitialPositionInStream getInitialPosition();

    void setInitialPosition(InitialPositionInStream value);

    @Description(
        "Local folder where bronze on embedded Flink keeps its checkpoints (checkpoints/<job>/chk-N);"
            + " a new launch resumes from the newest complete one. Default: <lake>/_state/bronze for"
            + " a local lake; none for an s3:// lake (checkpoints in memory only: a failure inside"
            + " the JVM still resumes from them, a new launch reads from --initialPosition). Read by"
            + " the launcher; a Flink cluster keeps checkpoints where its own configuration says.")
    String getStateDir();

    void setStateDir(String value);

    @Description("How often the job logs records read, lag and files written (ISO-8601).")
    @Default.String("PT10S")
    String getProgressInterval();

    void setProgressInterval(String value);

    @Description("Stop after this many records (tests and trials; unset reads forever).")
    Long getMaxNumRecords();

    void setMaxNumRecords(Long value);

    @Description("Stop after reading this long, ISO-8601 like PT5M (tests and trials).")
    String getMaxReadTime();

    void setMaxReadTime(String value);
  }

  /** What one bronze job does, unpacked from the options once. */
  public record Config(
      LakeLayout lake,
      String runId,
      Duration bufferInterval,
      int bufferMaxRecords,
      int shards,
      boolean gzip,
      Duration progressInterval) {

    public static Config from(Options options) throws IOException {
      return new Config(
          Lakes.create(options, options.getLake()),
          Args.newRunId(),
          Args.joda("--bufferInterval", options.getBufferInterval()),
          Args.positive("--bufferMaxRecords", options.getBufferMaxRecords()),
          Args.positive("--bronzeShards", options.getBronzeShards()),
          options.getGzip(),
          Args.joda("--progressInterval", options.getProgressInterval()));
    }

    public WriteBronzeFiles writer() {
      return WriteBronzeFiles.to(lake, runId)
          .bufferInterval(bufferInterval)
          .bufferMaxRecords(bufferMaxRecords)
          .shards(shards)
          .gzip(gzip)
          .build();
    }
  }

  public static void main(String[] args) throws IOException {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    run(options).waitUntilFinish();
  }

  public static PipelineResult run(Options options) throws IOException {
    readAsSplittableDoFnOnFlink(options);
    requireStream(options);
    Config config = Config.from(options);
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline.apply("ReadKinesis", read(options)), config);
    return pipeline.run();
  }

  /**
   * On Flink, reads Kinesis through Beam's splittable-DoFn expansion of {@code Read} ({@code
   * --experiments=beam_fn_api}) instead of the FLIP-27 source wrapper. Beam 2.62's wrapper, on a
   * restore from a savepoint or checkpoint, resumes each split from its saved shard positions and
   * also hands the same split out again from the initial position (apache/beam#31313, fixed after
   * 2.62): the job then re-reads the stream from {@code --initialPosition}, writing every retained
   * record to bronze again (TRIM_HORIZON). {@code BronzeRestartIT} shows both.
   */
  static void readAsSplittableDoFnOnFlink(Options options) {
    if (options.getRunner().getSimpleName().equals("FlinkRunner")) {
      ExperimentalOptions.addExperiment(options.as(ExperimentalOptions.class), "beam_fn_api");
    }
  }

  /**
   * Fails at once, as a user's mistake, when {@code --stream} names no stream: on Flink the job
   * would restart for ever, failing each time to list the stream's shards. Any other answer (an
   * unreachable Kinesis, credentials this client lacks and KinesisIO's may have) is left to the
   * job, which rides out an outage.
   */
  static void requireStream(Options options) {
    try (KinesisClient kinesis = Kinesis.client(options)) {
      kinesis.describeStreamSummary(b -> b.streamName(options.getStream()));
    } catch (ResourceNotFoundException e) {
      throw new IllegalArgumentException(
          "--stream: there is no Kinesis stream '"
              + options.getStream()
              + "'"
              + (options.getKinesisEndpoint() == null
                  ? ""
                  : " at " + options.getKinesisEndpoint()));
    } catch (SdkException e) {
      // Not an answer about the stream: the job reads it, or rides out the outage.
    }
  }

  /** The Kinesis source; the emulator settings apply to Kinesis only, never to S3. */
  static KinesisIO.Read read(Options options) {
    KinesisIO.Read read =
        KinesisIO.read()
            .withStreamName(options.getStream())
            .withInitialPositionInStream(options.getInitialPosition());
    if (options.getKinesisEndpoint() != null) {
      read =
          read.withClientConfiguration(
              ClientConfiguration.builder()
                  .endpoint(URI.create(options.getKinesisEndpoint()))
                  .region(Region.US_EAST_1)
                  .credentialsProvider(
                      StaticCredentialsProvider.create(
                          AwsBasicCredentials.create(
                              options.getEmulatorAccessKey(), options.getEmulatorSecretKey())))
                  .build());
    }
    if (options.getMaxNumRecords() != null) {
      read = read.withMaxNumRecords(options.getMaxNumRecords());
    }
    if (options.getMaxReadTime() != null) {
      read = read.withMaxReadTime(Args.joda("--maxReadTime", options.getMaxReadTime()));
    }
    return read;
  }

  /** Wires bronze ingestion of {@code records}. Returns the files written. */
  public static PCollection<String> build(PCollection<KinesisRecord> records, Config config) {
    PCollectionTuple bytes =
        records.apply(
            "RecordBytes",
            ParDo.of(new RecordBytesFn())
                .withOutputTags(RecordBytesFn.BYTES, TupleTagList.of(RecordBytesFn.PROGRESS)));
    PCollection<String> files =
        bytes.get(RecordBytesFn.BYTES).apply("WriteBronzeFiles", config.writer());

    PCollection<KV<String, Long>> fileTicks =
        files.apply(
            "FileTicks",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                .via(file -> KV.of(LogStreamProgress.FILES, 1L)));
    PCollectionList.of(bytes.get(RecordBytesFn.PROGRESS))
        .and(fileTicks)
        .apply("LogStreamProgress", LogStreamProgress.every("bronze", config.progressInterval()));
    return files;
  }

  /**
   * The record's bytes, kept with its arrival timestamp (KinesisIO stamps each record with it).
   * Counts records and bytes and measures the lag behind the stream as Beam metrics, and sends one
   * progress tick per bundle to {@link LogStreamProgress}.
   */
  static final class RecordBytesFn extends DoFn<KinesisRecord, byte[]> {
    static final TupleTag<byte[]> BYTES = new TupleTag<>() {};
    static final TupleTag<KV<String, Long>> PROGRESS = new TupleTag<>() {};

    private final Counter records = Metrics.counter(BronzeEvents.class, "records_read");
    private final Counter bytes = Metrics.counter(BronzeEvents.class, "bytes_read");
    private final Distribution lagMillis = Metrics.distribution(BronzeEvents.class, "lag_ms");
    private long bundleRecords;
    private long bundleLatestArrival;

    @StartBundle
    public void startBundle() {
      bundleRecords = 0;
      bundleLatestArrival = Long.MIN_VALUE;
    }

    @ProcessElement
    public void process(@Element KinesisRecord record, MultiOutputReceiver out) {
      byte[] data = record.getDataAsBytes();
      long arrival = record.getApproximateArrivalTimestamp().getMillis();
      records.inc();
      bytes.inc(data.length);
      lagMillis.update(Math.max(0, System.currentTimeMillis() - arrival));
      bundleRecords++;
      bundleLatestArrival = Math.max(bundleLatestArrival, arrival);
      out.get(BYTES).output(data);
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      if (bundleRecords == 0) {
        return;
      }
      Instant at = new Instant(bundleLatestArrival);
      context.output(
          PROGRESS, KV.of(LogStreamProgress.RECORDS, bundleRecords), at, GlobalWindow.INSTANCE);
      context.output(
          PROGRESS,
          KV.of(LogStreamProgress.LATEST_ARRIVAL, bundleLatestArrival),
          at,
          GlobalWindow.INSTANCE);
    }
  }
}
