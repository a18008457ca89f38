package io.medallion.lake.runners;

import com.fasterxml.jackson.databind.JsonNode;
import io.medallion.lake.commit.Reports;
import io.medallion.lake.erasure.ErasureReceipt;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.BronzeEvents;
import io.medallion.lake.pipelines.ForgetSubjects;
import io.medallion.lake.pipelines.GoldEvents;
import io.medallion.lake.pipelines.ProduceEvents;
import io.medallion.lake.pipelines.SilverEvents;
import io.medallion.lake.pipelines.StreamEvents;
import io.medallion.lake.pipelines.UberMovements;
import io.medallion.lake.pipelines.options.DirectRunnerMemory;
import io.medallion.lake.progress.Messages;
import io.medallion.lake.table.CatalogLockedException;
import io.medallion.lake.table.Dataset;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The {@code lake} command: one launcher for every pipeline, the same through {@code mvn -pl
 * runners -am test-compile exec:java -Dexec.args="..."} and {@code java -jar
 * runners/target/lake.jar ...}.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="demo"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="silver --hour=2026-01-01T03 --runner=FlinkRunner"
 * mvn -pl runners -am test-compile exec:java -Dexec.args="gold --help"
 * java -jar runners/target/lake.jar uber-movements --watch
 * }</pre>
 *
 * <p>Under {@code exec:java} the launcher re-executes itself in a JVM whose class path is the
 * project's ({@link Relaunch}), so both runners behave exactly as from the jar. A user mistake
 * (unknown command or option, a bad date, a missing lake) prints one line and exits with status 2;
 * a failed pipeline exits with 1; no command prints the usage and exits with 2.
 */
public final class Lake {
  /**
   * A subcommand: what it is for, its options interface, how to run it, and whether it is a
   * streaming job (which runs until stopped, and which the launcher checkpoints on Flink).
   */
  public record Command(
      String name,
      String summary,
      Class<? extends PipelineOptions> options,
      Action action,
      boolean streaming) {
    /** A batch command. */
    public Command(
        String name, String summary, Class<? extends PipelineOptions> options, Action action) {
      this(name, summary, options, action, false);
    }
  }

  @FunctionalInterface
  public interface Action {
    void run(String[] args, PrintStream out) throws Exception;
  }

  static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

  /**
   * The runner used when the command line names none; set by the Maven profiles {@code
   * direct-runner} and {@code flink-runner} for {@code exec:java} (the default profile sets it
   * empty: no runner named, as from the jar), or with {@code java -Dlake.runner=FlinkRunner -jar
   * lake.jar ...}. An explicit {@code --runner} always wins.
   */
  static final String DEFAULT_RUNNER_PROPERTY = "lake.runner";

  static {
    add(
        new Command(
            "demo",
            "produce events, promote every hour to silver and every day to gold, summarise",
            Demo.Options.class,
            Demo::run));
    add(
        new Command(
            "produce",
            "write a seeded, realistic event stream into bronze files",
            ProduceEvents.Options.class,
            Lake::produce));
    add(
        new Command(
            "stream",
            "send the seeded event stream into Kinesis at --rate records/s for --seconds",
            StreamEvents.Options.class,
            Lake::stream));
    add(
        new Command(
            "bronze",
            "streaming: land Kinesis records in bronze/events/YYYY/MM/DD/HH by arrival hour",
            BronzeEvents.Options.class,
            Lake::bronze,
            true));
    add(
        new Command(
            "silver",
            "promote bronze hours to silver/events (--hour, or --from/--to)",
            SilverEvents.Options.class,
            Lake::silver));
    add(
        new Command(
            "gold",
            "promote silver to gold/events, a typed table per event name and gold/event_stats (--date, or --from/--to)",
            GoldEvents.Options.class,
            Lake::gold));
    add(
        new Command(
            "uber-movements",
            "promote Uber Movement CSVs to silver/uber_movements (--input, or --watch the landing area)",
            UberMovements.Options.class,
            Lake::uberMovements));
    add(
        new Command(
            "forget",
            "erase data subjects (--field=user_id --value=...) from bronze, quarantine and the tables, with a receipt (--dryRun)",
            ForgetSubjects.Options.class,
            Lake::forget));
    add(
        new Command(
            "query",
            "run SQL over a local lake with DuckDB (\"select ...\", --as-of, --format=table|csv|json)",
            Query.Options.class,
            Query::run));
    add(
        new Command(
            "tables",
            "list the lake's tables, the typed ones (gold_evt_<event name>) included, with their rows",
            Tables.Options.class,
            Tables::run));
    add(
        new Command(
            "history",
            "list a table's snapshots with their promotion counts (history <table>)",
            History.Options.class,
            History::run));
    add(
        new Command(
            "status",
            "what the lake owes: units in flight or died mid-commit, tables that disagree, and what repairs them",
            Status.Options.class,
            Status::run));
    add(
        new Command(
            "maintain",
            "expire old snapshots, compact small files, remove orphan files (--dryRun)",
            Maintain.Options.class,
            Maintain::run));
  }

  private static void add(Command command) {
    COMMANDS.put(command.name(), command);
  }

  private Lake() {}

  public static void main(String[] args) {
    if (Relaunch.requested()) {
      // mvn exec:java: run as java -cp would, in a JVM whose class path is the project's.
      Optional<List<Path>> isolated = Relaunch.isolatedClassPath(Lake.class.getClassLoader());
      if (isolated.isPresent()) {
        System.exit(relaunch(isolated.get(), args, System.err));
      }
    }
    if (args.length == 0) {
      // Managed Flink starts the jar without arguments and passes runtime properties in a file.
      args = ManagedFlinkProperties.args(ManagedFlinkProperties.FILE).orElse(args);
    }
    System.exit(run(args, System.out, System.err));
  }

  private static int relaunch(List<Path> classPath, String[] args, PrintStream err) {
    try {
      return Relaunch.run(classPath, args);
    } catch (IOException e) {
      err.println("lake: cannot start a JVM for the launcher: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("lake: interrupted");
      return 130;
    }
  }

  /** Runs a command line; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
      usage(args.length == 0 ? err : out);
      return args.length == 0 ? 2 : 0;
    }
    Command command = COMMANDS.get(args[0]);
    if (command == null) {
      err.println(
          "lake: unknown command '"
              + args[0]
              + "'. Commands: "
              + String.join(", ", COMMANDS.keySet()));
      return 2;
    }
    return run(command, Arrays.copyOfRange(args, 1, args.length), out, err);
  }

  /**
   * Runs one command with its arguments (the command's name not among them) as the launcher runs
   * its own: {@code --help} lists its options, a user mistake is one line and status 2, a failure
   * status 1. Also for tools kept out of the launcher that run the same way (the bench, {@code
   * src/bench}).
   */
  public static int run(Command command, String[] args, PrintStream out, PrintStream err) {
    if (Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"))) {
      out.println("lake " + command.name() + ": " + command.summary());
      PipelineOptionsFactory.printHelp(out, command.options());
      return 0;
    }
    try {
      command
          .action()
          .run(withRunnerDefaults(args, command.streaming() ? command.name() : null), out);
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("lake " + command.name() + ": " + Messages.firstLine(e.getMessage()));
      return 2;
    } catch (Exception e) {
      if (CancelOnShutdown.stopping()) {
        // Ctrl-C or SIGTERM cancelled the job on purpose; the JVM exits with the signal's status
        // (130, 143) whatever this returns.
        err.println("lake " + command.name() + ": stopped");
        return 130;
      }
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String why =
          CatalogLockedException.causedBy(e) && !(root instanceof CatalogLockedException)
              ? CatalogLockedException.outsideACommit()
              : Messages.firstLine(String.valueOf(root.getMessage()));
      err.println("lake " + command.name() + ": failed: " + why);
      if (System.getenv("LAKE_DEBUG") != null) {
        e.printStackTrace(err);
      } else {
        err.println("  (set LAKE_DEBUG=1 to see the stack trace)");
      }
      return 1;
    } finally {
      // A JVM stopping on a signal waits for this before it exits: the line above is out.
      CancelOnShutdown.commandEnded();
    }
  }

  /**
   * Runs a promotion with {@code options}; when it is refused for not fitting the DirectRunner in
   * this JVM's heap ({@link DirectRunnerMemory.TooLarge}, estimated once, by the promotion itself
   * before it starts) and the command line named no runner (nor {@code -Dlake.runner}), prints one
   * line saying so and runs it with the same options on the embedded Flink cluster with its {@link
   * FlinkDefaults}, which spills to disk what it cannot hold. A run that names the DirectRunner
   * stays refused.
   *
   * @param args the command's arguments with the runner defaults ({@link #withRunnerDefaults})
   */
  static <T extends PipelineOptions> PipelineResult onFlinkIfTooLarge(
      String[] args,
      T options,
      Class<T> type,
      Function<T, PipelineResult> promotion,
      PrintStream out) {
    try {
      return promotion.apply(options);
    } catch (DirectRunnerMemory.TooLarge e) {
      if (Arrays.stream(args).anyMatch(a -> a.startsWith("--runner="))) {
        throw e;
      }
      out.println(e.need().onFlinkInstead());
      List<String> flink = new ArrayList<>(Arrays.asList(args));
      flink.removeIf(
          a -> a.startsWith("--enforceImmutability") || a.startsWith("--enforceEncodability"));
      flink.add("--runner=FlinkRunner");
      return promotion.apply(parse(withRunnerDefaults(flink.toArray(String[]::new)), type));
    }
  }

  /** {@link #withRunnerDefaults(String[], String)} for a batch command. */
  static String[] withRunnerDefaults(String[] args) {
    return withRunnerDefaults(args, null);
  }

  /**
   * On the DirectRunner, switch off the per-element immutability and encodability checks unless
   * asked for: they exist to catch bugs in tests (where they stay on) and cost most of the time on
   * real volumes. On the FlinkRunner, add {@link FlinkDefaults}.
   *
   * @param streamingJob the streaming command {@code args} are for, or null for a batch command
   */
  static String[] withRunnerDefaults(String[] args, String streamingJob) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    String defaultRunner = System.getProperty(DEFAULT_RUNNER_PROPERTY, "").strip();
    if (!defaultRunner.isEmpty() && all.stream().noneMatch(a -> a.startsWith("--runner="))) {
      all.add("--runner=" + defaultRunner);
    }
    boolean direct =
        all.stream().noneMatch(a -> a.startsWith("--runner=")) || runnerIs(all, "direct");
    if (direct) {
      if (all.stream().noneMatch(a -> a.startsWith("--enforceImmutability"))) {
        all.add("--enforceImmutability=false");
      }
      if (all.stream().noneMatch(a -> a.startsWith("--enforceEncodability"))) {
        all.add("--enforceEncodability=false");
      }
    }
    if (runnerIs(all, "flink")) {
      all = FlinkDefaults.apply(all, streamingJob);
    }
    return all.toArray(String[]::new);
  }

  /**
   * Whether {@code --runner} names this runner as Beam accepts it: flink, FlinkRunner, the FQCN.
   */
  private static boolean runnerIs(List<String> args, String name) {
    for (String arg : args) {
      if (arg.startsWith("--runner=")) {
        String runner = arg.substring("--runner=".length());
        runner = runner.substring(runner.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        if (runner.equals(name) || runner.equals(name + "runner")) {
          return true;
        }
      }
    }
    return false;
  }

  private static void usage(PrintStream out) {
    out.println(
        "Usage: lake <command> [--option=value ...]   (lake <command> --help lists its options)");
    out.println();
    COMMANDS.values().forEach(c -> out.printf(Locale.ROOT, "  %-16s %s%n", c.name(), c.summary()));
    out.println();
    out.println(
        "Every command takes --lake (default ./lake, or s3://bucket/prefix) and Beam options such as");
    out.println(
        "--runner=DirectRunner (default) or --runner=FlinkRunner [--flinkMaster=host:port].");
  }

  static void produce(String[] args, PrintStream out) throws Exception {
    ProduceEvents.Options options = parse(args, ProduceEvents.Options.class);
    out.println(ProduceEvents.describe(ProduceEvents.run(options)));
  }

  static void stream(String[] args, PrintStream out) throws Exception {
    StreamEvents.Options options = parse(args, StreamEvents.Options.class);
    out.println(StreamEvents.describe(StreamEvents.run(options)));
  }

  /**
   * Runs until stopped (Ctrl-C or SIGTERM, which on embedded Flink cancel the job first), or until
   * --maxNumRecords / --maxReadTime. On Flink it rides out failures by restarting from its last
   * checkpoint, and a new launch resumes from the last one it kept ({@link FlinkDefaults}).
   */
  static void bronze(String[] args, PrintStream out) throws Exception {
    BronzeEvents.Options options = parse(args, BronzeEvents.Options.class);
    finish(BronzeEvents.run(options), "bronze");
  }

  static void silver(String[] args, PrintStream out) throws Exception {
    SilverEvents.Options options = parse(args, SilverEvents.Options.class);
    SilverEvents.Config config = SilverEvents.Config.from(options);
    if (config.hours().isEmpty()) {
      out.println("silver: no hour pending");
      return;
    }
    // Silver holds no rows in memory on any runner: each worker writes the files it reads.
    finish(SilverEvents.run(options, config), "silver");
    for (Instant hour : config.hours()) {
      Optional<JsonNode> report =
          Reports.read(
              config.lake(), SilverEvents.DATASET, SilverEvents.DATASET.hourUnit(hour).name());
      if (report.isPresent()) {
        out.println(Reports.oneLine(report.get()));
        SilverEvents.skippedLine(report.get()).ifPresent(out::println);
      }
    }
  }

  static void gold(String[] args, PrintStream out) throws Exception {
    GoldEvents.Options options = parse(args, GoldEvents.Options.class);
    GoldEvents.Config config = GoldEvents.Config.from(options);
    if (config.dates().isEmpty()) {
      out.println("gold: no date pending");
      return;
    }
    finish(
        onFlinkIfTooLarge(
            args, options, GoldEvents.Options.class, o -> GoldEvents.run(o, config), out),
        "gold");
    for (LocalDate date : config.dates()) {
      Reports.read(config.lake(), GoldEvents.DATASET, GoldEvents.DATASET.dateUnit(date).name())
          .ifPresent(r -> out.println(Reports.oneLine(r)));
    }
  }

  /**
   * Erases the subjects in every layer, writes the receipt, prints one line per layer; with {@code
   * --requests} and no request file, says so and does nothing.
   */
  static void forget(String[] args, PrintStream out) throws Exception {
    ForgetSubjects.Options options = parse(args, ForgetSubjects.Options.class);
    Optional<ForgetSubjects.Config> config = ForgetSubjects.Config.from(options);
    if (config.isEmpty()) {
      out.println("forget: no erasure request under " + LakeLayout.ERASURE_REQUESTS + "/");
      return;
    }
    ForgetSubjects.Outcome outcome = ForgetSubjects.run(options, config.get());
    ErasureReceipt.summary(outcome.receipt()).forEach(out::println);
    out.println("  receipt: " + outcome.receiptPath());
  }

  static void uberMovements(String[] args, PrintStream out) throws Exception {
    UberMovements.Options options = parse(args, UberMovements.Options.class);
    finish(UberMovements.run(options), "uber-movements");
    LakeLayout lake = LakeLayout.at(options.getLake());
    String input = UberMovements.Config.input(lake, options.getInput());
    for (MatchResult.Metadata file :
        FileSystems.match(input, EmptyMatchTreatment.ALLOW).metadata()) {
      Dataset.Unit unit = UberMovements.DATASET.fileUnit(file.resourceId().toString());
      Optional<JsonNode> report = Reports.read(lake, UberMovements.DATASET, unit.name());
      if (report.isPresent()) {
        out.println(Reports.oneLine(report.get()) + " <- " + file.resourceId().getFilename());
        if (report.get().has("rejected_detail")) {
          out.println("  rejected whole: " + report.get().path("rejected_detail").asText());
        }
      }
    }
  }

  /** A command's options from its arguments, validated. */
  public static <T extends PipelineOptions> T parse(String[] args, Class<T> type) {
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(type);
  }

  static void finish(PipelineResult result, String what) {
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException(what + " ended in state " + state);
    }
  }
}
