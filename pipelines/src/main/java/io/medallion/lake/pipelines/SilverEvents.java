package io.medallion.lake.pipelines;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.bronze.BronzeFileGroup;
import io.medallion.lake.bronze.BronzeInventory;
import io.medallion.lake.bronze.ReadBronzeEvents;
import io.medallion.lake.commit.CommitPartitions;
import io.medallion.lake.commit.CommitUnit;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.commit.PendingMarks;
import io.medallion.lake.commit.PendingPromotions;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.SilverFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.pipelines.options.LatenessOptions;
import io.medallion.lake.pipelines.options.OutputOptions;
import io.medallion.lake.pipelines.options.PromotionOptions;
import io.medallion.lake.progress.ReportProgress;
import io.medallion.lake.table.CatalogLockedException;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.TableAtStart;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;

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
 * mvn -pl runners -am test-compile exec:java -Dexec.args="silver --hour=2026-01-01T03 --runner=FlinkRunner --flinkMaster=127.0.0.1:8081 --parallelism=2"
 * mvn -Pflink-runner -pl runners -am test-compile exec:java -Dexec.args="silver --hour=2026-01-01T03"
 * java -jar runners/target/lake.jar silver --hour=2026-01-01T03 --lake=s3://my-lake/prod
 * }</pre>
 */
public final class SilverEvents {
  /** What this pipeline promotes. */
  public static final Dataset DATASET = Dataset.SILVER_EVENTS;

  private SilverEvents() {}

  public interface Options extends LakeOptions, LatenessOptions, OutputOptions, PromotionOptions {
    @Description("The arrival hour to promote (UTC), like 2026-01-02T03.")
    String getHour();

    void setHour(String value);

    @Description("First arrival hour of a backfill (UTC), like 2026-01-02T00; with --to.")
    String getFrom();

    void setFrom(String value);

    @Description("Last arrival hour of a backfill, inclusive; with --from.")
    String getTo();

    void setTo(String value);

    @Description(
        "With --pending and no --from: how far back to look for hours whose bronze changed"
            + " (ISO-8601).")
    @Default.String("P2D")
    String getLookback();

    void setLookback(String value);
  }

  /** What one silver run promotes, unpacked from the options once. */
  public record Config(
      LakeLayout lake,
      CatalogSettings catalog,
      List<Instant> hours,
      Duration allowedLateness,
      int filesPerPartition,
      String runId,
      Duration dedupHorizon,
      boolean allowEmpty) {

    public Config {
      DeduplicateEvents.checkHorizon(dedupHorizon);
      hours = List.copyOf(hours);
    }

    /**
     * The run the options ask for; with {@code --pending}, the hours to promote are those that need
     * it ({@link #pendingHours}), possibly none.
     */
    public static Config from(Options options) {
      LakeLayout lake = Lakes.existing(options, options.getLake());
      List<Instant> hours;
      if (options.getPending()) {
        if (options.getHour() != null) {
          throw new IllegalArgumentException(
              "--pending: promotes the hours that need it; narrow them with --from/--to, not --hour");
        }
        Instant now = Instant.now();
        Instant from =
            options.getFrom() != null
                ? Args.hour("--from", options.getFrom())
                : now.minus(Args.duration("--lookback", options.getLookback()));
        Instant to =
            options.getTo() != null
                ? Args.hour("--to", options.getTo())
                : LakeLayout.truncateToHour(now).minus(Duration.ofHours(1));
        try {
          hours = pendingHours(lake, from, to, now);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else {
        hours = Args.hours(options.getHour(), options.getFrom(), options.getTo());
      }
      return new Config(
          lake,
          Lakes.catalog(options, lake),
          hours,
          Args.duration("--allowedLateness", options.getAllowedLateness()),
          Args.positive("--filesPerPartition", options.getFilesPerPartition()),
          Args.newRunId(),
          Args.duration("--dedupHorizon", options.getDedupHorizon()),
          options.getAllowEmpty());
    }

    /**
     * The gold dates a row created on a date can change: that date and every later date whose gold
     * run reads it as context ({@link DeduplicateEvents#datesToRead}, so the two agree for any
     * horizon).
     */
    PendingMarks goldMarks() {
      return SilverEvents.goldMarks(dedupHorizon);
    }
  }

  /**
   * The gold dates a silver row created on a date can change, for gold runs de-duplicating over
   * {@code dedupHorizon}: that date and every later date whose gold run reads it as context ({@link
   * DeduplicateEvents#datesToRead}, so the two agree for any horizon).
   */
  static PendingMarks goldMarks(Duration dedupHorizon) {
    int days = DeduplicateEvents.datesToRead(List.of(LocalDate.EPOCH), dedupHorizon).size() - 1;
    return new PendingMarks(Dataset.GOLD_EVENTS, SilverFiles.CREATED_ON + ".", days);
  }

  /**
   * The hours {@code silver --pending} promotes: every closed arrival hour from {@code from} to
   * {@code to} (inclusive, both truncated to the hour) that has bronze files and was never
   * promoted, or whose bronze files (names and sizes) differ from the ones its last promotion read,
   * as its report lists them: a file that landed after the hour was promoted, as Firehose delivers
   * an hour's last file up to its buffer interval after the hour ends. And every hour from {@code
   * from} to {@code to} that a silver run marked in flight and did not finish (killed after a
   * commit, before its report).
   */
  public static List<Instant> pendingHours(LakeLayout lake, Instant from, Instant to, Instant now)
      throws IOException {
    TreeSet<Instant> pending = new TreeSet<>();
    for (String unit : PendingPromotions.list(lake, DATASET).keySet()) {
      Instant hour = hourOf(unit);
      if (!hour.isBefore(LakeLayout.truncateToHour(from)) && !hour.isAfter(to)) {
        pending.add(hour);
      }
    }
    for (Instant hour = LakeLayout.truncateToHour(from);
        !hour.isAfter(to) && !hour.plus(Duration.ofHours(1)).isAfter(now);
        hour = hour.plus(Duration.ofHours(1))) {
      Map<String, Long> files = BronzeInventory.of(lake, hour).files();
      if (files.isEmpty()) {
        continue;
      }
      Optional<JsonNode> report = Reports.read(lake, DATASET, DATASET.hourUnit(hour).name());
      if (report.isEmpty() || !files.equals(bronzeFilesOf(report.get()))) {
        pending.add(hour);
      }
    }
    return List.copyOf(pending);
  }

  /**
   * The promoted hours whose bronze files are now exactly the ones their report lists (the hours
   * {@link #pendingHours} would not promote for their files): unit ({@code dt=.../hour=HH}) → its
   * files, name to size. Lists every silver report and its hour's bronze folder.
   */
  public static Map<String, Map<String, Long>> hoursInStep(LakeLayout lake) throws IOException {
    Map<String, Map<String, Long>> inStep = new TreeMap<>();
    String reports = lake.resolve(DATASET.reports());
    MatchResult match = FileSystems.match(reports + "/dt=*/hour=*.json", EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK) {
      return inStep;
    }
    for (MatchResult.Metadata file : match.metadata()) {
      String path = file.resourceId().toString();
      String unit =
          path.substring(path.length() - "dt=YYYY-MM-DD/hour=HH.json".length(), path.length() - 5);
      if (!HOUR_UNIT.matcher(unit).matches()) {
        continue;
      }
      Optional<JsonNode> report = Reports.read(lake, DATASET, unit);
      if (report.isEmpty()) {
        continue;
      }
      Map<String, Long> files = bronzeFilesOf(report.get());
      if (!files.isEmpty() && files.equals(BronzeInventory.of(lake, hourOf(unit)).files())) {
        inStep.put(unit, files);
      }
    }
    return inStep;
  }

  /**
   * After an erasure rewrote or deleted bronze files ({@code lake forget}): each hour that was in
   * step before it ({@code before}, {@link #hoursInStep}) and whose files differ now only as an
   * erasure changes them (sizes changed, files gone, no file new) gets its report's {@code
   * bronze_files} set to the files as they are, with {@code bronze_files_erased_by} naming the
   * request: its silver rows were erased with them, so {@code silver --pending} need not promote it
   * again. An hour where a file appeared stays pending, as it should. Returns the units updated.
   */
  public static List<String> recordErasedFiles(
      LakeLayout lake, Map<String, Map<String, Long>> before, String requestId) throws IOException {
    List<String> updated = new ArrayList<>();
    for (Map.Entry<String, Map<String, Long>> hour : before.entrySet()) {
      Map<String, Long> now = BronzeInventory.of(lake, hourOf(hour.getKey())).files();
      if (now.equals(hour.getValue()) || !hour.getValue().keySet().containsAll(now.keySet())) {
        continue;
      }
      Optional<JsonNode> report = Reports.read(lake, DATASET, hour.getKey());
      if (report.isEmpty() || !bronzeFilesOf(report.get()).equals(hour.getValue())) {
        continue; // promoted again meanwhile: its report is the new run's
      }
      Map<String, Object> document = REPORT_JSON.convertValue(report.get(), REPORT_TYPE);
      document.put(BRONZE_FILES, now);
      document.put(BRONZE_FILES_ERASED_BY, requestId);
      Reports.writeDocument(lake, Reports.path(lake, DATASET, hour.getKey()), document);
      updated.add(hour.getKey());
    }
    return updated;
  }

  /** The report attribute naming the erasure that last rewrote the hour's bronze files. */
  public static final String BRONZE_FILES_ERASED_BY = "bronze_files_erased_by";

  private static final ObjectMapper REPORT_JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Object>> REPORT_TYPE =
      new TypeReference<>() {};

  private static final Pattern HOUR_UNIT =
      Pattern.compile("dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})");

  /** The arrival hour of a unit name, {@code dt=2026-01-02/hour=03}. */
  private static Instant hourOf(String unit) {
    Matcher m = HOUR_UNIT.matcher(unit);
    if (!m.matches()) {
      throw new IllegalStateException("not a silver hour: " + unit);
    }
    return LocalDate.parse(m.group(1))
        .atStartOfDay(ZoneOffset.UTC)
        .plusHours(Integer.parseInt(m.group(2)))
        .toInstant();
  }

  private static Map<String, Long> bronzeFilesOf(JsonNode report) {
    Map<String, Long> files = new TreeMap<>();
    report
        .path(BRONZE_FILES)
        .fields()
        .forEachRemaining(f -> files.put(f.getKey(), f.getValue().asLong()));
    return files;
  }

  /** The report attribute listing the bronze files (name to size) a promotion of an hour read. */
  static final String BRONZE_FILES = "bronze_files";

  /**
   * The report attribute listing the files of the hour's bronze folder a promotion did not read
   * (name to reason, {@link BronzeInventory}); they do not make an hour pending.
   */
  public static final String BRONZE_SKIPPED = "bronze_skipped";

  public static void main(String[] args) {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    run(options).waitUntilFinish();
  }

  public static PipelineResult run(Options options) {
    return run(options, Config.from(options));
  }

  /**
   * Runs {@code config}, unpacked from {@code options} by {@link Config#from}. A catalog another
   * process holds locked for longer than its wait fails the run with one line naming its hours
   * ({@link CatalogLockedException}).
   */
  public static PipelineResult run(Options options, Config config) {
    if (config.hours().isEmpty()) {
      throw new IllegalArgumentException("silver: no hour to promote");
    }
    try {
      return runHours(options, config);
    } catch (RuntimeException e) {
      throw CatalogLockedException.beforeCommitting(
          e,
          config.catalog(),
          CatalogLockedException.describe(
              DATASET, config.hours().stream().map(h -> DATASET.hourUnit(h).name()).toList()));
    }
  }

  private static PipelineResult runHours(Options options, Config config) {
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, config, ReportProgress.of("silver", options.getProgress()));
    return pipeline.run();
  }

  /**
   * Wires the promotion of {@code config.hours()} into {@code pipeline}. Returns the reports
   * written, one per hour. Lists each hour's bronze files now ({@link BronzeInventory}): the run
   * reads those, and its report records them. Loads (or creates) the silver table now: its current
   * snapshot is the one the run's commits validate from.
   */
  public static PCollection<String> build(Pipeline pipeline, Config config) {
    return build(pipeline, config, ReportProgress.off());
  }

  /** {@link #build}, with {@code progress} counting the records read and the files written. */
  static PCollection<String> build(Pipeline pipeline, Config config, ReportProgress progress) {
    String staging = config.lake().staging(config.runId());
    TableAtStart silver = TableAtStart.load(config.catalog(), DATASET.tables().get(0));
    Map<Instant, BronzeInventory.Hour> bronze =
        BronzeInventory.ofHours(config.lake(), config.hours());

    PCollectionTuple files =
        pipeline
            .apply(
                "ReadBronze",
                Read.from(
                    ReadBronzeEvents.source(
                        BronzeFileGroup.ofHours(
                            config.lake(), bronze, config.filesPerPartition()))))
            .apply(
                "SilverFiles",
                SilverFiles.of(
                    silver,
                    config.allowedLateness(),
                    config.runId(),
                    staging + "/" + DATASET.quarantine().orElseThrow()));
    PCollection<KV<String, String>> silverFiles = files.get(SilverFiles.DATA_FILES);
    PCollection<KV<String, Long>> counts = files.get(SilverFiles.COUNTS);
    progress.count(counts, "read", "reading bronze", Counts.valueOf(Counts.READ));
    progress.count(silverFiles, "files written", "writing silver_events", file -> 1L);

    return pipeline.apply(
        "CommitHours",
        CommitPartitions.of(
                config.lake(), config.catalog(), config.runId(), commits(config, bronze), counts)
            .withDataFiles(silver, silverFiles)
            .withStagedFiles(files.get(SilverFiles.QUARANTINE_FILES))
            .allowingEmpty(config.allowEmpty())
            .markingPending(config.goldMarks()));
  }

  /**
   * One unit per hour, its report recording {@code bronze}'s files of the hour (the files the run
   * reads; an hour whose files later differ is pending, {@link #pendingHours}) and the files of the
   * hour's folder the run skips, with the reason.
   */
  static List<CommitUnit> commits(Config config, Map<Instant, BronzeInventory.Hour> bronze) {
    return config.hours().stream()
        .map(
            hour -> {
              BronzeInventory.Hour files = bronze.get(hour);
              Dataset.Unit unit = DATASET.hourUnit(hour);
              List<String> markers;
              try {
                markers = PendingPromotions.markersOf(config.lake(), DATASET, unit.name());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return new CommitUnit(
                  unit,
                  Map.of(
                      "source",
                      config.lake().bronzeEventsHour(hour),
                      BRONZE_FILES,
                      new TreeMap<>(files.files()),
                      BRONZE_SKIPPED,
                      new TreeMap<>(files.skipped()),
                      "allowed_lateness",
                      config.allowedLateness().toString()),
                  markers);
            })
        .collect(Collectors.toList());
  }

  /**
   * One line naming the files of an hour's bronze folder its promotion skipped, as its report lists
   * them ({@link #BRONZE_SKIPPED}); empty when it skipped none.
   */
  public static Optional<String> skippedLine(JsonNode report) {
    JsonNode skipped = report.path(BRONZE_SKIPPED);
    if (skipped.size() == 0) {
      return Optional.empty();
    }
    List<String> files = new ArrayList<>();
    skipped
        .fields()
        .forEachRemaining(f -> files.add(f.getKey() + " (" + f.getValue().asText() + ")"));
    return Optional.of(
        "  not read: "
            + files.size()
            + " file(s) of "
            + report.path("source").asText()
            + " that silver skips: "
            + String.join(", ", files));
  }
}
