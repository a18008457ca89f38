package io.medallion.lake.pipelines;

import io.medallion.lake.events.EnrichEvents;
import io.medallion.lake.events.ParseEvents;
import io.medallion.lake.io.BronzeRecord;
import io.medallion.lake.io.CommitPartitions;
import io.medallion.lake.io.PartitionCommit;
import io.medallion.lake.io.ReadBronzeEvents;
import io.medallion.lake.io.ReportProgress;
import io.medallion.lake.io.WritePartitionFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.schemas.EventSchemas;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Silver promotion (hourly, batch): the bronze event files of one or more arrival hours become
 * {@code silver/events/dt=YYYY-MM-DD/hour=HH/*.parquet}, validated and enriched; every rejected
 * record goes to {@code quarantine/events/dt=.../hour=...} with its reason; each hour gets a report
 * in {@code _reports/silver/events/} and is replaced as a whole.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="silver --hour=2026-01-01T03"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="silver --from=2026-01-01T00 --to=2026-01-01T23 --runner=FlinkRunner"
 * java -jar runners/target/lake.jar silver --hour=2026-01-01T03 --lake=s3://my-lake/prod
 * }</pre>
 */
public final class SilverEvents {
  private SilverEvents() {}

  public interface Options extends LakeOptions, LatenessOptions, OutputOptions {
    @Description("The arrival hour to promote (UTC), like 2026-01-02T03.")
    String getHour();

    void setHour(String value);

    @Description("First arrival hour of a backfill (UTC), like 2026-01-02T00; with --to.")
    String getFrom();

    void setFrom(String value);

    @Description("Last arrival hour of a backfill, inclusive; with --from.")
    String getTo();

    void setTo(String value);
  }

  /** What one silver run promotes, unpacked from the options once. */
  public record Config(
      LakeLayout lake,
      List<Instant> hours,
      Duration allowedLateness,
      int filesPerPartition,
      String runId) {

    public static Config from(Options options) {
      return new Config(
          Lakes.existing(options, options.getLake()),
          Args.hours(options.getHour(), options.getFrom(), options.getTo()),
          Args.duration("--allowedLateness", options.getAllowedLateness()),
          Args.positive("--filesPerPartition", options.getFilesPerPartition()),
          Args.newRunId());
    }
  }

  public static void main(String[] args) {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    run(options).waitUntilFinish();
  }

  public static PipelineResult run(Options options) {
    Config config = Config.from(options);
    Pipeline pipeline = Pipeline.create(options);
    PCollection<BronzeRecord> bronze =
        pipeline.apply("ReadBronze", ReadBronzeEvents.forHours(config.lake(), config.hours()));
    ReportProgress.attach(bronze, "silver", "bronze", options.getProgress());
    build(bronze, config);
    return pipeline.run();
  }

  /**
   * Wires the promotion of {@code bronze}, which holds the raw records of {@code config.hours()}.
   * Returns the reports written, one per hour.
   */
  public static PCollection<String> build(PCollection<BronzeRecord> bronze, Config config) {
    String staging = config.lake().staging(config.runId());

    PCollectionTuple parsed = bronze.apply("ParseEvents", ParseEvents.create());
    PCollectionTuple enriched =
        parsed
            .get(ParseEvents.EVENTS)
            .apply("EnrichEvents", EnrichEvents.withAllowedLateness(config.allowedLateness()));

    PCollection<KV<String, String>> silverFiles =
        enriched
            .get(EnrichEvents.ROWS)
            .apply(
                "WriteSilverParquet",
                WritePartitionFiles.parquet(
                    EventSchemas.SILVER_EVENT,
                    staging + "/" + LakeLayout.SILVER_EVENTS,
                    config.runId(),
                    config.filesPerPartition()));
    PCollection<KV<String, String>> quarantineFiles =
        parsed
            .get(ParseEvents.QUARANTINE)
            .apply(
                "WriteQuarantine",
                WritePartitionFiles.jsonLines(
                    staging + "/" + LakeLayout.QUARANTINE_EVENTS, config.runId()));

    PCollection<KV<String, Long>> counts =
        PCollectionList.of(parsed.get(ParseEvents.COUNTS))
            .and(enriched.get(EnrichEvents.COUNTS))
            .apply("FlattenCounts", Flatten.pCollections());

    return PCollectionList.of(silverFiles)
        .and(quarantineFiles)
        .apply("FlattenStagedFiles", Flatten.pCollections())
        .apply(
            "CommitHours",
            CommitPartitions.of(config.lake(), config.runId(), commits(config), counts));
  }

  static List<PartitionCommit> commits(Config config) {
    return config.hours().stream()
        .map(
            hour -> {
              String partition = LakeLayout.hourPartition(hour);
              return new PartitionCommit(
                  partition,
                  "silver",
                  "events",
                  partition,
                  List.of(
                      LakeLayout.SILVER_EVENTS + "/" + partition,
                      LakeLayout.QUARANTINE_EVENTS + "/" + partition),
                  Map.of(
                      "source", config.lake().bronzeEventsHour(hour),
                      "allowed_lateness", config.allowedLateness().toString()));
            })
        .collect(Collectors.toList());
  }
}
