package io.medallion.lake.pipelines;

import io.medallion.lake.events.DailyEventStats;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.DeduplicatedEvent;
import io.medallion.lake.events.GoldWindow;
import io.medallion.lake.events.ReadSilverEvents;
import io.medallion.lake.events.ToGoldEvents;
import io.medallion.lake.io.CommitPartitions;
import io.medallion.lake.io.PartitionCommit;
import io.medallion.lake.io.ReportProgress;
import io.medallion.lake.io.WritePartitionFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.schemas.EventSchemas;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Gold promotion (daily, batch): the silver events created on a date, read from every arrival hour
 * that can hold them ({@link GoldWindow}), de-duplicated by {@code event_uuid} into {@code
 * gold/events/event_type=T/date=D/}, and aggregated with Beam SQL into {@code
 * gold/event_stats/date=D/}. Each date gets a report in {@code _reports/gold/events/} and is
 * replaced as a whole.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="gold --date=2026-01-01"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="gold --from=2026-01-01 --to=2026-01-07 --runner=FlinkRunner"
 * java -jar runners/target/lake.jar gold --date=2026-01-01 --allowedLateness=PT24H
 * }</pre>
 */
public final class GoldEvents {
  private GoldEvents() {}

  public interface Options extends LakeOptions, LatenessOptions, OutputOptions {
    @Description("The creation date to promote (UTC), like 2026-01-02.")
    String getDate();

    void setDate(String value);

    @Description("First date of a backfill, like 2026-01-01; with --to.")
    String getFrom();

    void setFrom(String value);

    @Description("Last date of a backfill, inclusive; with --from.")
    String getTo();

    void setTo(String value);

    @Description(
        "Buckets per date for de-duplication; raise it when one bucket's distinct events no"
            + " longer fit a worker's memory (about 1 KB each).")
    @Default.Integer(64)
    int getDedupBuckets();

    void setDedupBuckets(int value);
  }

  /** What one gold run promotes, unpacked from the options once. */
  public record Config(
      LakeLayout lake,
      List<LocalDate> dates,
      GoldWindow window,
      int dedupBuckets,
      int filesPerPartition,
      String runId) {

    public static Config from(Options options) {
      return new Config(
          Lakes.existing(options, options.getLake()),
          Args.dates(options.getDate(), options.getFrom(), options.getTo()),
          new GoldWindow(Args.duration("--allowedLateness", options.getAllowedLateness())),
          Args.positive("--dedupBuckets", options.getDedupBuckets()),
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
    PCollectionTuple silver =
        pipeline.apply(
            "ReadSilver",
            ReadSilverEvents.forDates(config.lake(), config.dates(), config.window()));
    ReportProgress.attach(
        silver.get(ReadSilverEvents.ROWS), "gold", "silver", options.getProgress());
    build(silver, config);
    return pipeline.run();
  }

  /**
   * Wires the promotion of the silver rows in {@code silver} ({@link ReadSilverEvents#ROWS} keyed
   * by {@code date=D}, with its {@link ReadSilverEvents#COUNTS}). Returns the reports written.
   */
  public static PCollection<String> build(PCollectionTuple silver, Config config) {
    String staging = config.lake().staging(config.runId());

    PCollectionTuple deduplicated =
        silver
            .get(ReadSilverEvents.ROWS)
            .apply("DeduplicateEvents", DeduplicateEvents.withBuckets(config.dedupBuckets()));
    PCollection<DeduplicatedEvent> events = deduplicated.get(DeduplicateEvents.EVENTS);

    PCollection<KV<String, String>> eventFiles =
        events
            .apply("ToGoldEvents", ToGoldEvents.create())
            .apply(
                "WriteGoldEvents",
                WritePartitionFiles.parquet(
                    EventSchemas.GOLD_EVENT,
                    staging + "/" + LakeLayout.GOLD_EVENTS,
                    config.runId(),
                    config.filesPerPartition()));
    PCollection<KV<String, GenericRecord>> stats =
        events.apply("DailyEventStats", DailyEventStats.create());
    PCollection<KV<String, String>> statsFiles =
        stats.apply(
            "WriteEventStats",
            WritePartitionFiles.parquet(
                EventSchemas.GOLD_EVENT_STATS,
                staging + "/" + LakeLayout.GOLD_EVENT_STATS,
                config.runId(),
                1));

    PCollection<KV<String, Long>> counts =
        PCollectionList.of(silver.get(ReadSilverEvents.COUNTS))
            .and(deduplicated.get(DeduplicateEvents.COUNTS))
            .apply("FlattenCounts", Flatten.pCollections());

    return PCollectionList.of(eventFiles)
        .and(statsFiles)
        .apply("FlattenStagedFiles", Flatten.pCollections())
        .apply(
            "CommitDates",
            CommitPartitions.of(config.lake(), config.runId(), commits(config), counts));
  }

  static List<PartitionCommit> commits(Config config) {
    return config.dates().stream()
        .map(
            date -> {
              String partition = LakeLayout.datePartition(date);
              List<Instant> hours = config.window().hours(List.of(date));
              return new PartitionCommit(
                  partition,
                  "gold",
                  "events",
                  partition,
                  List.of(
                      LakeLayout.GOLD_EVENTS + "/event_type=*/" + partition,
                      LakeLayout.GOLD_EVENT_STATS + "/" + partition),
                  Map.of(
                      "arrival_hours_from", hours.get(0).toString(),
                      "arrival_hours_to", hours.get(hours.size() - 1).toString(),
                      "allowed_lateness", config.window().allowedLateness().toString()));
            })
        .collect(Collectors.toList());
  }
}
