package io.medallion.lake.pipelines;

import io.medallion.lake.events.EnrichEvents;
import io.medallion.lake.events.ParseEvents;
import io.medallion.lake.io.BronzeRecord;
import io.medallion.lake.io.CommitPartitions;
import io.medallion.lake.io.PartitionCommit;
import io.medallion.lake.io.ReadBronzeEvents;
import io.medallion.lake.io.WritePartitionFiles;
import io.medallion.lake.io.WriteTableFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.tables.CatalogSettings;
import io.medallion.lake.tables.LakeTable;
import io.medallion.lake.tables.TableAtStart;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;

/**
 * Silver promotion (hourly, batch): the bronze event files of one or more arrival hours become rows
 * of the {@code silver_events} Apache Iceberg table ({@code silver/events/}, partitioned by arrival
 * {@code dt} and {@code hour}), validated and enriched; every rejected record goes to {@code
 * quarantine/events/dt=.../hour=...} with its reason; each hour is replaced as a whole by one
 * atomic Iceberg commit and gets a report in {@code _reports/silver/events/}.
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
      CatalogSettings catalog,
      List<Instant> hours,
      Duration allowedLateness,
      int filesPerPartition,
      String runId) {

    public static Config from(Options options) {
      LakeLayout lake = Lakes.existing(options, options.getLake());
      return new Config(
          lake,
          Lakes.catalog(options, lake),
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
    build(bronze, config);
    return pipeline.run();
  }

  /**
   * Wires the promotion of {@code bronze}, which holds the raw records of {@code config.hours()}.
   * Returns the reports written, one per hour. Loads (or creates) the silver table now: its current
   * snapshot is the one the run's commits validate from.
   */
  public static PCollection<String> build(PCollection<BronzeRecord> bronze, Config config) {
    String staging = config.lake().staging(config.runId());
    TableAtStart silver = TableAtStart.load(config.catalog(), LakeTable.SILVER_EVENTS);

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
                WriteTableFiles.into(silver, staging, config.runId(), config.filesPerPartition()));
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

    return bronze
        .getPipeline()
        .apply(
            "CommitHours",
            CommitPartitions.of(
                    config.lake(), config.catalog(), config.runId(), commits(config), counts)
                .withDataFiles(silver, silverFiles)
                .withStagedFiles(quarantineFiles));
  }

  static List<PartitionCommit> commits(Config config) {
    return config.hours().stream()
        .map(
            hour -> {
              String partition = LakeLayout.hourPartition(hour);
              Expression rows =
                  Expressions.and(
                      Expressions.equal("dt", LakeLayout.dateOf(hour).toString()),
                      Expressions.equal("hour", hour.atZone(ZoneOffset.UTC).getHour()));
              return new PartitionCommit(
                  partition,
                  "silver",
                  "events",
                  partition,
                  Map.of(LakeTable.SILVER_EVENTS, rows),
                  List.of(LakeLayout.QUARANTINE_EVENTS + "/" + partition),
                  Map.of(
                      "source", config.lake().bronzeEventsHour(hour),
                      "allowed_lateness", config.allowedLateness().toString()));
            })
        .collect(Collectors.toList());
  }
}
