package io.medallion.lake.pipelines;

import io.medallion.lake.filedrop.MatchDroppedFiles;
import io.medallion.lake.filedrop.PromoteDroppedFiles;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.LakeOptions;
import io.medallion.lake.pipelines.options.Lakes;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.uber.UberMovementsParser;
import java.io.IOException;
import java.nio.file.Paths;
import java.time.Duration;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * File-drop promotion: Uber Movement travel-times CSVs become rows of the {@code
 * silver_uber_movements} Apache Iceberg table ({@code silver/uber_movements/}, partitioned by
 * {@code city}, {@code year}, {@code month}, {@code day}), each source file promoted, committed
 * atomically and reported on as a unit ({@link PromoteDroppedFiles}); rejected rows go to {@code
 * quarantine/uber_movements/}, reports to {@code _reports/silver/uber_movements/<source id>.json}.
 *
 * <p>In batch (the default) every file matching {@code --input} is promoted. With {@code --watch}
 * the pipeline is a stream: it polls {@code --input} every {@code --pollInterval}, promotes each
 * new file, and promotes a file again when its content changes, replacing its rows. A file whose
 * current version its report already records is not promoted again, also after a restart.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="uber-movements --input=./data/*.csv"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="uber-movements --input=./Travel_Times.csv --city=boston --runner=FlinkRunner"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="uber-movements --watch --pollInterval=PT10S --runner=FlinkRunner"
 * java -jar runners/target/lake.jar uber-movements --watch --pollInterval=PT10S --runner=FlinkRunner
 * }</pre>
 */
public final class UberMovements {
  /** What this pipeline promotes. */
  public static final Dataset DATASET = Dataset.SILVER_UBER_MOVEMENTS;

  private UberMovements() {}

  public interface Options extends LakeOptions {
    @Description(
        "The CSV files to promote: a path or glob, local or s3://. Default:"
            + " <lake>/landing/uber_movements/*.csv.")
    @Default.String("")
    String getInput();

    void setInput(String value);

    @Description(
        "The city of every row (normalised to [a-z0-9_]+), over the file name and a city column."
            + " Default: from the file name ('Travel_Times - Bogota.csv') or the city column.")
    @Default.String("")
    String getCity();

    void setCity(String value);

    @Description("Run as a stream: promote each file as it lands or changes, until stopped.")
    @Default.Boolean(false)
    boolean getWatch();

    void setWatch(boolean value);

    @Description("With --watch: how often to look for new or changed files (ISO-8601).")
    @Default.String("PT30S")
    String getPollInterval();

    void setPollInterval(String value);

    @Description(
        "With --watch: stop once no new or changed file has come for this long (ISO-8601, like"
            + " PT1H). Default: never stop.")
    @Default.String("")
    String getStopWhenIdleFor();

    void setStopWhenIdleFor(String value);

    @Description(
        "Allow a version of a file with no record to replace the rows an earlier version put in"
            + " the table (by default it is not promoted, and says so on one line).")
    @Default.Boolean(false)
    boolean getAllowEmpty();

    void setAllowEmpty(boolean value);
  }

  /**
   * What one run promotes, unpacked from the options once.
   *
   * @param city the normalised {@code --city}, or null
   * @param stopWhenIdleFor null to watch until stopped
   */
  public record Config(
      LakeLayout lake,
      CatalogSettings catalog,
      String input,
      String city,
      boolean watch,
      Duration pollInterval,
      Duration stopWhenIdleFor,
      String runId,
      boolean allowEmpty) {

    public static Config from(Options options) throws IOException {
      LakeLayout lake = Lakes.create(options, options.getLake());
      Duration poll = Args.duration("--pollInterval", options.getPollInterval());
      if (poll.isZero()) {
        throw new IllegalArgumentException("--pollInterval: must be more than zero");
      }
      String idle = options.getStopWhenIdleFor().strip();
      return new Config(
          lake,
          Lakes.catalog(options, lake),
          input(lake, options.getInput()),
          options.getCity().isBlank() ? null : PartitionValues.normalise(options.getCity().strip()),
          options.getWatch(),
          poll,
          idle.isEmpty() ? null : Args.duration("--stopWhenIdleFor", idle),
          Args.newRunId(),
          options.getAllowEmpty());
    }

    /** {@code --input}, or the lake's landing folder; a local path made absolute. */
    public static String input(LakeLayout lake, String input) {
      String value = input.strip();
      if (value.isEmpty()) {
        return lake.resolve(DATASET.landing().orElseThrow() + "/*.csv");
      }
      if (LakeLayout.hasScheme(value)) {
        return value;
      }
      return Paths.get(value).toAbsolutePath().normalize().toString();
    }
  }

  public static void main(String[] args) throws IOException {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    run(options).waitUntilFinish();
  }

  public static PipelineResult run(Options options) throws IOException {
    Config config = Config.from(options);
    if (config.watch()) {
      options.as(StreamingOptions.class).setStreaming(true);
    }
    Pipeline pipeline = Pipeline.create(options);
    PCollection<MatchResult.Metadata> files = pipeline.apply("MatchFiles", matchFiles(config));
    build(files, config);
    return pipeline.run();
  }

  /**
   * The files to promote: matched once (batch), or continuously, every new or changed file once
   * (watch), each with its last-modified time on every runner ({@link MatchDroppedFiles}).
   */
  public static PTransform<PBegin, PCollection<MatchResult.Metadata>> matchFiles(Config config) {
    if (!config.watch()) {
      return MatchDroppedFiles.once(config.input());
    }
    Watch.Growth.TerminationCondition<String, ?> until =
        config.stopWhenIdleFor() == null
            ? Watch.Growth.never()
            : Watch.Growth.afterTimeSinceNewOutput(Args.joda(config.stopWhenIdleFor()));
    return MatchDroppedFiles.continuously(config.input(), Args.joda(config.pollInterval()), until);
  }

  /** Wires the promotion of {@code files}; returns the reports written, one per file promoted. */
  public static PCollection<String> build(PCollection<MatchResult.Metadata> files, Config config) {
    // Create the table (and a local catalog's file) now, once, rather than in parallel workers.
    Dataset dataset = DATASET;
    dataset.tables().forEach(table -> TableAtStart.load(config.catalog(), table));
    PromoteDroppedFiles promote =
        PromoteDroppedFiles.into(
                config.lake(),
                config.catalog(),
                config.runId(),
                dataset,
                config.city() == null
                    ? UberMovementsParser.create()
                    : UberMovementsParser.withCity(config.city()))
            .allowingEmpty(config.allowEmpty());
    if (config.watch()) {
      promote = promote.skippingPromotedVersions();
    }
    return files.apply("PromoteUberMovements", promote);
  }
}
