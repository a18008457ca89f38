package io.medallion.lake.pipelines;

import io.medallion.lake.commit.CommitPartitions;
import io.medallion.lake.commit.CommitUnit;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.events.DailyEventStats;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.ReadSilverEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.DirectRunnerMemory;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.pipelines.options.OutputOptions;
import io.medallion.lake.pipelines.options.PromotionOptions;
import io.medallion.lake.progress.ReportProgress;
import io.medallion.lake.table.CatalogLockedException;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.typed.SettleTypedTables;
import io.medallion.lake.typed.TypedTables;
import io.medallion.lake.typed.WriteGoldEventFiles;
import io.medallion.lake.write.WriteTableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ProcessFunction;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Gold promotion (daily, batch): every silver event created on a date, whatever hour it arrived in
 * (read from the {@code silver_events} Iceberg table's current snapshot, {@link ReadSilverEvents}),
 * de-duplicated by {@code event_uuid} into the {@code gold_events} table (partitioned by {@code
 * event_type} and {@code date}), into a typed table per event name ({@code gold_evt_<name>}, by
 * {@code date}: the same rows, each payload member in a typed column or in {@code _rescued}; the
 * tables' columns follow the data, {@link SettleTypedTables}), and aggregated with Beam SQL into
 * the {@code gold_event_stats} table (by {@code date}). An event is kept once in all of gold: a
 * copy is dropped when another copy of its uuid comes first within {@code --dedupHorizon} (default
 * {@code P1D}), whichever date that copy was created on, so the run also reads the silver rows of
 * the dates before, back to the horizon ({@link Config#silverDates}). Each date is replaced as a
 * whole in every table, one atomic Iceberg commit per table ({@code gold_events}, the typed tables,
 * {@code gold_event_stats} last), and gets a report in {@code _reports/gold/events/}.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="gold --date=2026-01-01"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="gold --from=2026-01-01 --to=2026-01-07 --runner=FlinkRunner"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="gold --date=2026-01-01 --runner=FlinkRunner --flinkMaster=127.0.0.1:8081 --parallelism=2"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="gold --pending"
 * java -jar runners/target/lake.jar gold --date=2026-01-01 --dedupHorizon=PT12H
 * }</pre>
 */
public final class GoldEvents {
  /** What this pipeline promotes. */
  public static final Dataset DATASET = Dataset.GOLD_EVENTS;

  private GoldEvents() {}

  public interface Options extends LakeOptions, OutputOptions, PromotionOptions {
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
        "Buckets per date for de-duplication. By default one per 50,000 silver rows a date"
            + " holds (a bucket's rows are held in memory together, about 1 KB each); raise it"
            + " when a bucket no longer fits a worker's memory.")
    Integer getDedupBuckets();

    void setDedupBuckets(Integer value);

    @Description(
        "The most payload columns a typed table (gold_evt_<event name>) gets, nested ones"
            + " counted: past it, new members are rescued into _rescued instead (a map of ids used"
            + " as member names would add a column per id).")
    @Default.Integer(TYPED_COLUMN_LIMIT)
    int getTypedColumnLimit();

    void setTypedColumnLimit(int value);

    @Description(
        "Whether the run writes the typed tables (gold_evt_<event name>). false: gold_events and"
            + " gold_event_stats only, for about a third less time; the typed tables then hold no"
            + " rows of the promoted dates until a run without it promotes them again.")
    @Default.Boolean(true)
    boolean getTypedTables();

    void setTypedTables(boolean value);
  }

  /** The default {@code --typedColumnLimit}. */
  public static final int TYPED_COLUMN_LIMIT = 300;

  /**
   * What one gold run promotes, unpacked from the options once.
   *
   * @param plannedSilverRows the silver rows of {@link #silverDates}, as the table's metadata
   *     counts them when the run was planned, or -1 when not counted (then counted when needed)
   * @param typedTables whether the run writes the typed tables ({@code --typedTables}); without
   *     them, the commit leaves them with no rows of the run's dates ({@link TypedTables#off})
   */
  public record Config(
      LakeLayout lake,
      CatalogSettings catalog,
      List<LocalDate> dates,
      Duration dedupHorizon,
      int dedupBuckets,
      int filesPerPartition,
      String runId,
      boolean allowEmpty,
      int typedColumnLimit,
      long plannedSilverRows,
      boolean typedTables) {

    public Config {
      DeduplicateEvents.checkHorizon(dedupHorizon);
      dates = List.copyOf(dates);
      Args.positive("--typedColumnLimit", typedColumnLimit);
    }

    /**
     * A run with the defaults of what it does not name: {@code --typedColumnLimit}, the typed
     * tables written, and its silver rows counted when needed ({@link #withTypedColumnLimit},
     * {@link #withTypedTables} and {@link #withPlannedSilverRows} change them).
     */
    public Config(
        LakeLayout lake,
        CatalogSettings catalog,
        List<LocalDate> dates,
        Duration dedupHorizon,
        int dedupBuckets,
        int filesPerPartition,
        String runId,
        boolean allowEmpty) {
      this(
          lake,
          catalog,
          dates,
          dedupHorizon,
          dedupBuckets,
          filesPerPartition,
          runId,
          allowEmpty,
          TYPED_COLUMN_LIMIT,
          -1,
          true);
    }

    /** This run with {@code --typedColumnLimit=limit}. */
    public Config withTypedColumnLimit(int limit) {
      return with(limit, plannedSilverRows, typedTables);
    }

    /** This run with {@code --typedTables=written}. */
    public Config withTypedTables(boolean written) {
      return with(typedColumnLimit, plannedSilverRows, written);
    }

    /** This run, its silver rows planned as {@code rows} ({@link #plannedRows}). */
    public Config withPlannedSilverRows(long rows) {
      return with(typedColumnLimit, rows, typedTables);
    }

    private Config with(int columnLimit, long silverRows, boolean typed) {
      return new Config(
          lake,
          catalog,
          dates,
          dedupHorizon,
          dedupBuckets,
          filesPerPartition,
          runId,
          allowEmpty,
          columnLimit,
          silverRows,
          typed);
    }

    /**
     * The run the options ask for; with {@code --pending}, the dates to promote are those that need
     * it ({@link #pendingDates}), possibly none.
     */
    public static Config from(Options options) {
      LakeLayout lake = Lakes.existing(options, options.getLake());
      List<LocalDate> dates;
      if (options.getPending()) {
        if (options.getDate() != null) {
          throw new IllegalArgumentException(
              "--pending: promotes the dates that need it; narrow them with --from/--to, not --date");
        }
        try {
          dates = pendingDates(lake, options.getFrom(), options.getTo());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else {
        dates = Args.dates(options.getDate(), options.getFrom(), options.getTo());
      }
      CatalogSettings catalog = Lakes.catalog(options, lake);
      Duration horizon = Args.duration("--dedupHorizon", options.getDedupHorizon());
      List<LocalDate> silverDates = DeduplicateEvents.datesToRead(dates, horizon);
      long silverRows;
      try {
        silverRows = plannedRows(catalog, silverDates);
      } catch (RuntimeException e) {
        throw CatalogLockedException.beforeCommitting(e, catalog, units(dates));
      }
      // The buckets are sized for a date's rows, on average over the dates read.
      int buckets =
          options.getDedupBuckets() != null
              ? Args.positive("--dedupBuckets", options.getDedupBuckets())
              : DeduplicateEvents.bucketsFor(
                  silverDates.isEmpty() ? 0 : silverRows / silverDates.size());
      return new Config(
          lake,
          catalog,
          dates,
          horizon,
          buckets,
          Args.positive("--filesPerPartition", options.getFilesPerPartition()),
          Args.newRunId(),
          options.getAllowEmpty(),
          options.getTypedColumnLimit(),
          silverRows,
          options.getTypedTables());
    }

    /**
     * The silver rows of {@code silverDates}, counted from the table's metadata (Iceberg's
     * planning, deleted rows included): what the de-duplication's buckets ({@link
     * DeduplicateEvents#bucketsFor}) and the DirectRunner's heap estimate are sized for.
     */
    static long plannedRows(CatalogSettings catalog, List<LocalDate> silverDates) {
      if (silverDates.isEmpty()) {
        return 0;
      }
      try {
        return ReadSilverEvents.plannedRows(catalog, silverDates);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot plan the silver_events files to read", e);
      }
    }

    /**
     * The creation dates whose silver rows the run reads, whatever their arrival hour: the promoted
     * dates and, before them, the dates the de-duplication horizon reaches back to. Rows of a date
     * that is not promoted are only compared with; they are not counted, written or reported.
     */
    public List<LocalDate> silverDates() {
      return DeduplicateEvents.datesToRead(dates, dedupHorizon);
    }
  }

  /**
   * The dates {@code gold --pending} promotes, between {@code from} and {@code to} when given:
   * those marked as pending in the lake ({@link PendingPromotions}: silver marks the dates it adds
   * or removes rows of before it commits them) that gold has promoted before, and those a gold run
   * marked in flight and did not finish (killed between its commits, or before its report),
   * promoted or not. A date silver marked and gold never promoted is left to its scheduled run,
   * which clears the mark.
   */
  public static List<LocalDate> pendingDates(LakeLayout lake, String from, String to)
      throws IOException {
    LocalDate first = from == null ? LocalDate.MIN : Args.date("--from", from);
    LocalDate last = to == null ? LocalDate.MAX : Args.date("--to", to);
    List<LocalDate> dates = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : PendingPromotions.list(lake, DATASET).entrySet()) {
      LocalDate date = LocalDate.parse(e.getKey().substring("date=".length()));
      boolean unfinished = e.getValue().stream().anyMatch(PendingPromotions::isInFlight);
      if (!date.isBefore(first)
          && !date.isAfter(last)
          && (unfinished || Reports.read(lake, DATASET, e.getKey()).isPresent())) {
        dates.add(date);
      }
    }
    return dates;
  }

  public static void main(String[] args) {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    run(options).waitUntilFinish();
  }

  public static PipelineResult run(Options options) {
    return run(options, Config.from(options));
  }

  /**
   * Runs {@code config}, unpacked from {@code options} by {@link Config#from}. A catalog another
   * process holds locked for longer than its wait fails the run with one line naming its dates
   * ({@link CatalogLockedException}).
   */
  public static PipelineResult run(Options options, Config config) {
    if (config.dates().isEmpty()) {
      throw new IllegalArgumentException("gold: no date to promote");
    }
    try {
      return runDates(options, config);
    } catch (RuntimeException e) {
      throw CatalogLockedException.beforeCommitting(e, config.catalog(), units(config.dates()));
    }
  }

  /** The units of {@code dates}, as a locked catalog's message names them. */
  private static String units(List<LocalDate> dates) {
    return CatalogLockedException.describe(
        DATASET, dates.stream().map(d -> DATASET.dateUnit(d).name()).toList());
  }

  private static PipelineResult runDates(Options options, Config config) {
    if (DirectRunnerMemory.isDirect(options)) {
      directRunnerNeed(config).check(options);
    }
    Pipeline pipeline = Pipeline.create(options);
    PCollectionTuple silver =
        pipeline.apply(
            "ReadSilver", ReadSilverEvents.forDates(config.catalog(), config.silverDates()));
    build(silver, config, ReportProgress.of("gold", options.getProgress()));
    return pipeline.run();
  }

  /**
   * The heap {@code config}'s run needs on the DirectRunner, from the silver rows of the dates it
   * reads ({@link DirectRunnerMemory#GOLD_HEAP_PER_ROW}), as the run's plan counted them.
   */
  private static DirectRunnerMemory.Need directRunnerNeed(Config config) {
    long rows =
        config.plannedSilverRows() >= 0
            ? config.plannedSilverRows()
            : Config.plannedRows(config.catalog(), config.silverDates());
    return new DirectRunnerMemory.Need(
        "gold",
        rows * DirectRunnerMemory.GOLD_HEAP_PER_ROW,
        String.format(Locale.ROOT, "%,d silver rows", rows),
        "fewer dates per run (--date, --from/--to)");
  }

  /**
   * Wires the promotion of the silver rows in {@code silver} ({@link ReadSilverEvents#ROWS} keyed
   * by {@code date=D}, for every date of {@link Config#silverDates}, with its {@link
   * ReadSilverEvents#COUNTS}). Returns the reports written. Loads (or creates) the gold tables now:
   * their current snapshots are the ones the run's commits validate from.
   */
  public static PCollection<String> build(PCollectionTuple silver, Config config) {
    return build(silver, config, ReportProgress.off());
  }

  /** {@link #build}, with {@code progress} counting the rows read and de-duplicated. */
  static PCollection<String> build(
      PCollectionTuple silver, Config config, ReportProgress progress) {
    String staging = config.lake().staging(config.runId());
    TableAtStart goldEvents = TableAtStart.load(config.catalog(), DATASET.tables().get(0));
    TableAtStart eventStats = TableAtStart.load(config.catalog(), DATASET.tables().get(1));
    TableFamily typed = DATASET.family().orElseThrow();
    Map<String, TableAtStart> typedAtStart = TableAtStart.loadMembers(config.catalog(), typed);

    DeduplicateEvents deduplicate =
        DeduplicateEvents.forDates(config.dates(), goldEvents)
            .withHorizon(config.dedupHorizon())
            .withBuckets(config.dedupBuckets());
    PCollectionTuple deduplicated =
        silver
            .get(ReadSilverEvents.ROWS)
            .apply(
                "DeduplicateEvents",
                config.typedTables() ? deduplicate.withPayloadTypesOf(typed) : deduplicate);
    // The typed tables' columns are settled once every kept row is counted; then each kept row is
    // written to gold_events and, typed, to its event name's table, in one pass.
    PCollection<TypedTables> settled =
        config.typedTables()
            ? deduplicated
                .get(DeduplicateEvents.TYPES)
                .apply(
                    "SettleTypedTables",
                    SettleTypedTables.of(
                        config.catalog(),
                        typed,
                        typedAtStart,
                        config.typedColumnLimit(),
                        config.runId()))
            : silver
                .getPipeline()
                .apply(
                    "TypedTablesOff",
                    Create.of(TypedTables.off())
                        .withCoder(SerializableCoder.of(TypedTables.class)));
    PCollectionTuple goldFiles =
        deduplicated
            .get(DeduplicateEvents.EVENTS)
            .apply(
                "WriteGoldEvents",
                WriteGoldEventFiles.of(
                    goldEvents,
                    settled.apply("TypedTablesView", View.asSingleton()),
                    deduplicated.get(DeduplicateEvents.PARTITION_ROWS),
                    typed,
                    config.runId(),
                    config.filesPerPartition()));
    PCollection<KV<String, String>> eventFiles = goldFiles.get(WriteGoldEventFiles.EVENT_FILES);
    progress.count(
        silver.get(ReadSilverEvents.COUNTS), "read", "reading silver", Counts.valueOf(Counts.READ));
    progress.count(
        deduplicated.get(DeduplicateEvents.COUNTS),
        "de-duplicated",
        "de-duplicating",
        Counts.valueOf(Counts.WRITTEN, Counts.DUPLICATES_REMOVED));
    progress.count(eventFiles, "files written", "writing gold_events", file -> 1L);
    PCollection<GenericRecord> stats =
        deduplicated
            .get(DeduplicateEvents.STATS)
            .apply("DailyEventStats", DailyEventStats.create());
    PCollection<KV<String, String>> statsFiles =
        stats.apply(
            "WriteEventStats", WriteTableFiles.into(eventStats, staging, config.runId(), 1));

    PCollection<Map<String, TableAtStart>> typedTables =
        settled
            .apply(
                "TypedTablesAsMembers",
                MapElements.into(new TypeDescriptor<Map<String, TableAtStart>>() {})
                    .via(TypedTables::members))
            .setCoder(MapCoder.of(StringUtf8Coder.of(), SerializableCoder.of(TableAtStart.class)));

    // The context dates' rows were read too, but are not theirs to report: a promoted date's
    // report counts its own rows only.
    PCollection<KV<String, Long>> readCounts =
        silver
            .get(ReadSilverEvents.COUNTS)
            .apply("PromotedDatesCounts", Filter.by(ofPromotedDates(config.dates())));
    PCollection<KV<String, Long>> counts =
        PCollectionList.of(readCounts)
            .and(deduplicated.get(DeduplicateEvents.COUNTS))
            .and(goldFiles.get(WriteGoldEventFiles.COUNTS))
            .apply("FlattenCounts", Flatten.pCollections());

    return silver
        .getPipeline()
        .apply(
            "CommitDates",
            CommitPartitions.of(
                    config.lake(), config.catalog(), config.runId(), commits(config), counts)
                .withDataFiles(goldEvents, eventFiles)
                .withDataFiles(eventStats, statsFiles)
                .withFamilyFiles(
                    typedAtStart, typedTables, goldFiles.get(WriteGoldEventFiles.TYPED_FILES))
                .allowingEmpty(config.allowEmpty()));
  }

  /** Whether a {@code date=D|counter} count is of one of {@code dates}. */
  static ProcessFunction<KV<String, Long>, Boolean> ofPromotedDates(List<LocalDate> dates) {
    Set<String> partitions = new HashSet<>();
    dates.forEach(d -> partitions.add(DATASET.dateUnit(d).name()));
    return count -> partitions.contains(Counts.unitOf(count.getKey()));
  }

  /**
   * One unit per date. Lists each date's pending markers now, before the run reads silver: the
   * commit clears exactly these, so a mark silver makes while this run reads survives it.
   */
  static List<CommitUnit> commits(Config config) {
    return config.dates().stream()
        .map(
            date -> {
              Dataset.Unit unit = DATASET.dateUnit(date);
              List<String> markers;
              boolean rowsRemoved;
              try {
                markers = PendingPromotions.markersOf(config.lake(), DATASET, unit.name());
                rowsRemoved = PendingPromotions.rowsRemoved(markers);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return new CommitUnit(
                  unit,
                  Map.of(
                      "created_on", date.toString(),
                      "dedup_horizon", config.dedupHorizon().toString(),
                      "dedup_context_from",
                          DeduplicateEvents.datesToRead(List.of(date), config.dedupHorizon())
                              .get(0)
                              .toString()),
                  markers,
                  // Silver removed rows of the date on purpose: gold follows, even to nothing.
                  rowsRemoved);
            })
        .collect(Collectors.toList());
  }
}
