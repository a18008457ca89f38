package io.medallion.lake.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.erasure.EraseFiles;
import io.medallion.lake.erasure.EraseTableRows;
import io.medallion.lake.erasure.ErasureReceipt;
import io.medallion.lake.erasure.ForgetHistory;
import io.medallion.lake.erasure.Subjects;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * Erasure (GDPR Art. 17): forgets data subjects, named by a top-level event field and its values,
 * in every layer of the lake, in order: bronze files, then quarantine lines ({@link EraseFiles},
 * one Beam pipeline, files in parallel), then the tables' steps ({@link #tableSteps}), then the
 * receipt {@code _reports/erasure/<request id>.json}, which names the subjects only by SHA-256.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="forget --field=user_id --value=u-42 --dryRun"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="forget --field=user_id --valuesFile=/tmp/today.txt --runner=FlinkRunner"
 * java -jar runners/target/lake.jar forget --field=user_id --requests --lake=s3://my-lake/prod
 * }</pre>
 *
 * <p>The values never leave the request: they are cleared from the options before any pipeline is
 * made (a runner may log or ship its options), and no file the run writes holds them.
 */
public final class ForgetSubjects {
  private static final DateTimeFormatter DEFAULT_ID =
      DateTimeFormatter.ofPattern("'forget-'yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private ForgetSubjects() {}

  public interface Options extends LakeOptions {
    @Description(
        "The top-level event field that names the data subjects, like user_id or device_id.")
    String getField();

    void setField(String value);

    @Description(
        "A value of --field whose records to erase; repeat the option for several (a comma also"
            + " separates values: give a value holding a comma in --valuesFile).")
    List<String> getValue();

    void setValue(List<String> value);

    @Description(
        "A file of values to erase (a local path or s3://...), one per line; surrounding"
            + " whitespace, blank lines and lines starting with # are ignored.")
    String getValuesFile();

    void setValuesFile(String value);

    @Description(
        "Erase the values of every *.txt file under <lake>/_requests/erasure/ (one value per"
            + " line, as --valuesFile) in one run, and delete those files once the receipt is"
            + " written.")
    @Default.Boolean(false)
    boolean getRequests();

    void setRequests(boolean value);

    @Description(
        "Count what would be erased, change nothing, and write a dry-run receipt"
            + " (_reports/erasure/<request id>.dry-run.json).")
    @Default.Boolean(false)
    boolean getDryRun();

    void setDryRun(boolean value);

    @Description(
        "The request's id, naming its receipt _reports/erasure/<id>.json: letters, digits, '.',"
            + " '_' and '-'. Default: forget-<UTC yyyyMMdd'T'HHmmss'Z'>.")
    String getRequestId();

    void setRequestId(String value);
  }

  /**
   * What one erasure run does, unpacked from the options once.
   *
   * @param requestFiles the request files whose values are erased, deleted after the receipt
   */
  public record Config(
      LakeLayout lake,
      CatalogSettings catalog,
      Subjects subjects,
      String requestId,
      boolean dryRun,
      List<String> requestFiles,
      String runId) {
    public Config {
      ErasureReceipt.checkRequestId(requestId);
      requestFiles = List.copyOf(requestFiles);
    }

    /**
     * The run the options ask for; empty when {@code --requests} finds no request file. Clears
     * {@code --value} from {@code options}: no pipeline carries a subject's value in its options.
     *
     * @throws IllegalArgumentException for no {@code --field}, no value, more than one of {@code
     *     --value}, {@code --valuesFile} and {@code --requests}, a values file that does not exist,
     *     or an unsafe request id
     */
    public static Optional<Config> from(Options options) {
      if (options.getField() == null || options.getField().isBlank()) {
        throw new IllegalArgumentException(
            "--field is required: the top-level field naming the subjects, like --field=user_id");
      }
      boolean values = options.getValue() != null && !options.getValue().isEmpty();
      boolean file = options.getValuesFile() != null;
      int sources = (values ? 1 : 0) + (file ? 1 : 0) + (options.getRequests() ? 1 : 0);
      if (sources == 0) {
        throw new IllegalArgumentException(
            "give the values: --value=<v>, --valuesFile or --requests");
      }
      if (sources > 1) {
        throw new IllegalArgumentException(
            "give the values one way only: --value, --valuesFile or --requests");
      }
      String requestId =
          ErasureReceipt.checkRequestId(
              options.getRequestId() != null
                  ? options.getRequestId()
                  : DEFAULT_ID.format(Instant.now()));
      LakeLayout lake = Lakes.existing(options, options.getLake());
      TreeSet<String> all = new TreeSet<>();
      List<String> requestFiles = new ArrayList<>();
      try {
        if (values) {
          options.getValue().stream().map(String::strip).forEach(all::add);
        } else if (file) {
          all.addAll(valuesIn(existingFile("--valuesFile", options.getValuesFile())));
        } else {
          for (ResourceId request : ForgetSubjects.requestFiles(lake)) {
            all.addAll(valuesIn(request));
            requestFiles.add(request.toString());
          }
          if (requestFiles.isEmpty()) {
            return Optional.empty();
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      options.setValue(null);
      if (all.isEmpty()) {
        throw new IllegalArgumentException(
            (file ? "--valuesFile" : "--requests") + ": no value to erase in the file(s)");
      }
      return Optional.of(
          new Config(
              lake,
              Lakes.catalog(options, lake),
              new Subjects(options.getField().strip(), all),
              requestId,
              options.getDryRun(),
              requestFiles,
              Args.newRunId()));
    }
  }

  /** The request files {@code --requests} takes: {@code <lake>/_requests/erasure/*.txt}. */
  public static List<ResourceId> requestFiles(LakeLayout lake) throws IOException {
    MatchResult match =
        FileSystems.match(
            lake.resolve(LakeLayout.ERASURE_REQUESTS) + "/*.txt", EmptyMatchTreatment.ALLOW);
    List<ResourceId> files = new ArrayList<>();
    if (match.status() == MatchResult.Status.OK) {
      match.metadata().stream()
          .map(MatchResult.Metadata::resourceId)
          .filter(r -> !r.isDirectory())
          .sorted(Comparator.comparing(ResourceId::toString))
          .forEach(files::add);
    }
    return files;
  }

  private static ResourceId existingFile(String option, String path) throws IOException {
    MatchResult match = FileSystems.match(path, EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK || match.metadata().size() != 1) {
      throw new IllegalArgumentException(option + ": " + path + " does not exist");
    }
    return match.metadata().get(0).resourceId();
  }

  /**
   * The values of a values or request file: one per line, surrounding whitespace, blank lines and
   * lines starting with {@code #} ignored.
   */
  static List<String> valuesIn(ResourceId file) throws IOException {
    String text;
    try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  /**
   * The step that erases bronze, then the quarantine: one pipeline. Then the silver reports of the
   * hours whose bronze files it rewrote record the files as it left them ({@link
   * SilverEvents#recordErasedFiles}), so that {@code silver --pending} does not promote those hours
   * again for the erasure (the tables' step erases their rows).
   */
  public static final ErasureStep FILES =
      new ErasureStep() {
        private final ErasureStep pipeline =
            ErasureStep.pipeline("bronze_and_quarantine", ForgetSubjects::build);

        @Override
        public String name() {
          return pipeline.name();
        }

        @Override
        public Map<String, Long> run(Config config, PipelineOptions options) throws Exception {
          if (config.dryRun()) {
            return pipeline.run(config, options);
          }
          Map<String, Map<String, Long>> inStep = SilverEvents.hoursInStep(config.lake());
          Map<String, Long> counts = pipeline.run(config, options);
          SilverEvents.recordErasedFiles(config.lake(), inStep, config.requestId());
          return counts;
        }
      };

  /**
   * The tables' step: every table that can hold the field ({@link EraseTableRows#tablesHolding}:
   * silver_events, gold_events, the typed event tables) has its files that hold a subject's row
   * rewritten without it, one commit per table ({@link EraseTableRows}; silver's marks the gold
   * dates of the rows it removed as pending, as a promotion that removes rows does), then the
   * snapshots and files that still hold them expired and deleted ({@link ForgetHistory}). One
   * pipeline, every table's files in parallel.
   */
  public static final ErasureStep TABLES = ErasureStep.pipeline("tables", ForgetSubjects::tables);

  /**
   * The gold step: {@code gold --pending} ({@link GoldEvents}), which re-promotes the dates the
   * tables' step marked, from the erased silver: gold_events and the typed tables as a fresh
   * promotion of the erased bronze gives them, and gold_event_stats (whose duplicate counts no
   * erasure of gold_events could recompute) counted again. A date left with no row is emptied. It
   * also promotes any date marked pending before, as the scheduled gold job would. Nothing in a dry
   * run. Counts {@code gold.dates_promoted}.
   */
  public static final ErasureStep GOLD =
      new ErasureStep() {
        @Override
        public String name() {
          return "gold";
        }

        @Override
        public Map<String, Long> run(Config config, PipelineOptions options) throws Exception {
          return run(config, options, Map.of());
        }

        @Override
        public Map<String, Long> run(
            Config config, PipelineOptions options, Map<String, Long> counts) throws Exception {
          if (config.dryRun()) {
            return Map.of(
                DATES_PROMOTED, (long) datesTheErasureWouldPromote(config, counts).size());
          }
          GoldEvents.Options gold = options.as(GoldEvents.Options.class);
          gold.setPending(true);
          GoldEvents.Config promotion = GoldEvents.Config.from(gold);
          if (!promotion.dates().isEmpty()) {
            PipelineResult.State state = GoldEvents.run(gold, promotion).waitUntilFinish();
            if (state != PipelineResult.State.DONE) {
              throw new IllegalStateException(
                  "the gold re-promotion of "
                      + promotion.dates()
                      + " ended in state "
                      + state
                      + "; the dates stay pending: run lake gold --pending");
            }
          }
          return Map.of(DATES_PROMOTED, (long) promotion.dates().size());
        }
      };

  private static final String DATES_PROMOTED = "gold." + ErasureReceipt.DATES_PROMOTED;

  /**
   * The gold dates a real run's {@link #GOLD} step would promote, from a dry run's counts: those
   * pending now, and the promoted dates silver's erasure would mark for the rows it counted.
   */
  private static Set<LocalDate> datesTheErasureWouldPromote(Config config, Map<String, Long> counts)
      throws IOException {
    Set<LocalDate> dates = new TreeSet<>(GoldEvents.pendingDates(config.lake(), null, null));
    String silver = LakeTable.SILVER_EVENTS.tableName() + ".";
    Map<String, Long> silverCounts = new TreeMap<>();
    counts.forEach(
        (key, value) -> {
          if (key.startsWith(silver)) {
            silverCounts.put(key.substring(silver.length()), value);
          }
        });
    for (String unit :
        SilverEvents.goldMarks(DeduplicateEvents.DEFAULT_HORIZON).unitsFor(silverCounts)) {
      if (Reports.read(config.lake(), GoldEvents.DATASET, unit).isPresent()) {
        dates.add(LocalDate.parse(unit.substring(unit.indexOf('=') + 1)));
      }
    }
    return dates;
  }

  /** The steps after bronze and the quarantine, in order: the tables, then gold. */
  static List<ErasureStep> tableSteps() {
    return List.of(TABLES, GOLD);
  }

  /** Wires {@link #TABLES}: each table's erasure, then its history; returns their counts. */
  static PCollection<KV<String, Long>> tables(Pipeline pipeline, Config config) {
    PCollectionList<KV<String, Long>> counts = PCollectionList.empty(pipeline);
    for (String table : EraseTableRows.tablesHolding(config.catalog(), config.subjects())) {
      EraseTableRows erase =
          EraseTableRows.of(config.catalog(), table, config.subjects(), config.runId())
              .dryRun(config.dryRun());
      if (table.equals(LakeTable.SILVER_EVENTS.tableName())) {
        erase =
            erase.markingPending(
                config.lake(), SilverEvents.goldMarks(DeduplicateEvents.DEFAULT_HORIZON));
      }
      PCollection<KV<String, Long>> rows = pipeline.apply("Erase_" + table, erase);
      PCollection<KV<String, Long>> history =
          rows.apply(
              "ForgetHistory_" + table,
              ForgetHistory.of(config.catalog(), table, config.subjects()).dryRun(config.dryRun()));
      counts = counts.and(rows).and(history);
    }
    if (counts.size() == 0) {
      return pipeline.apply(
          "NoTables", Create.empty(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    }
    return counts.apply("TableCounts", Flatten.pCollections());
  }

  /** Every step of an erasure, in order. */
  public static List<ErasureStep> steps() {
    List<ErasureStep> steps = new ArrayList<>();
    steps.add(FILES);
    steps.addAll(tableSteps());
    return steps;
  }

  /** What a run did: its receipt, as read back from where it was written. */
  public record Outcome(String receiptPath, JsonNode receipt) {}

  /** Runs every step of {@link #steps}. */
  public static Outcome run(Options options, Config config) throws Exception {
    return run(options, config, steps());
  }

  /**
   * Runs {@code steps} in order, each to completion, then writes the receipt, then (unless a dry
   * run) deletes the request files whose values were erased; the run's staging folder goes last.
   */
  public static Outcome run(Options options, Config config, List<ErasureStep> steps)
      throws Exception {
    options.setValue(null);
    Instant started = Instant.now();
    Map<String, Long> counts = new TreeMap<>();
    List<String> names = new ArrayList<>();
    try {
      for (ErasureStep step : steps) {
        step.run(config, options, Map.copyOf(counts))
            .forEach((k, v) -> counts.merge(k, v, Long::sum));
        names.add(step.name());
      }
    } finally {
      deleteStaging(config);
    }
    Map<String, Object> receipt =
        ErasureReceipt.of(
            config.requestId(),
            config.runId(),
            started,
            Instant.now(),
            config.subjects(),
            config.dryRun(),
            names,
            counts);
    String path = ErasureReceipt.write(config.lake(), receipt);
    if (!config.dryRun() && !config.requestFiles().isEmpty()) {
      List<ResourceId> requests = new ArrayList<>();
      for (String file : config.requestFiles()) {
        requests.add(FileSystems.matchNewResource(file, false));
      }
      FileSystems.delete(requests, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    }
    return new Outcome(
        path,
        Reports.readDocument(path)
            .orElseThrow(() -> new IOException("the receipt " + path + " was not written")));
  }

  /**
   * Wires the erasure of bronze, then of the quarantine (listed once bronze is done, so that a
   * silver promotion racing the erasure cannot quarantine again from a bronze file not yet
   * rewritten without the quarantine erasure seeing it). Returns both layers' counts.
   */
  public static PCollection<KV<String, Long>> build(Pipeline pipeline, Config config) {
    PCollection<KV<String, Long>> bronze =
        pipeline.apply(
            "EraseBronze", EraseFiles.bronze(config.lake(), config.subjects(), config.dryRun()));
    PCollection<KV<String, Long>> quarantine =
        pipeline.apply(
            "EraseQuarantine",
            EraseFiles.quarantine(config.lake(), config.subjects(), config.dryRun()).after(bronze));
    return PCollectionList.of(bronze).and(quarantine).apply("AllCounts", Flatten.pCollections());
  }

  private static void deleteStaging(Config config) throws IOException {
    String staging = config.lake().staging(config.runId());
    if (config.lake().isLocal()) {
      Path folder = Paths.get(staging);
      if (Files.exists(folder)) {
        try (Stream<Path> paths = Files.walk(folder)) {
          for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
      return;
    }
    MatchResult match = FileSystems.match(staging + "/**", EmptyMatchTreatment.ALLOW);
    if (match.status() == MatchResult.Status.OK) {
      List<ResourceId> files = new ArrayList<>();
      match.metadata().forEach(m -> files.add(m.resourceId()));
      FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }

  /** The receipt at {@code path}. */
  public static Optional<JsonNode> receipt(String path) throws IOException {
    return Reports.readDocument(path);
  }
}
