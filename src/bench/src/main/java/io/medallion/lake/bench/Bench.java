package io.medallion.lake.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.pipelines.ProduceEvents;
import io.medallion.lake.producer.EventCatalog;
import io.medallion.lake.producer.EventGenerator;
import io.medallion.lake.progress.FirstRecord;
import io.medallion.lake.runners.Lake;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.SnapshotViews;
import io.medallion.lake.table.TableFamily;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code make bench}: generates a seeded bronze input ({@link EventGenerator}: 100 event types, 5%
 * duplicates, 1% malformed, 24 arrival hours from noon, so two creation dates), then times silver
 * and gold on the DirectRunner, on embedded Flink, in the lean plain-Java reference ({@link
 * BenchReference}, the lower bound) and in Apache Spark local[2] (the peer in {@code
 * src/bench/spark}, built on first use by {@code src/scripts/spark-peer.sh}, never on the lake's
 * classpath), all on that same input. Every run is its own JVM with the same heap, so wall time and
 * peak RSS are the run's alone; each implementation works in its own copy of the lake (bronze
 * hard-linked), and the outputs are counted with DuckDB. Results go to {@code
 * bench-results/<timestamp>.md|.json}, {@code bench-results/latest.md} and the console.
 *
 * <p>The bench runs on the lake's jar with its own classes after it, and starts the lake's runs
 * from that jar alone, as a cluster runs it: this module is never in it.
 *
 * <pre>{@code
 * make bench                                    # 1M events
 * make bench N=10000000 ARGS=--heap=4g
 * make bench-smoke                              # 2,000 events, for CI
 * make bench ARGS=--implementations=reference,spark
 * java -cp runners/target/lake.jar:src/bench/target/classes io.medallion.lake.bench.Bench --help
 * }</pre>
 *
 * <p>A benchmark, not a test: the numbers depend on the machine and on what else runs on it (the
 * load average is recorded before each run).
 */
public final class Bench {
  private Bench() {}

  public interface Options extends PipelineOptions {
    @Description("Distinct valid events to generate (plus 5% duplicates and 1% malformed records).")
    @Default.Long(1_000_000)
    long getEvents();

    void setEvents(long value);

    @Description("Arrival hours the events spread over, from 2026-01-01T12 (24: two gold dates).")
    @Default.Integer(24)
    int getHours();

    void setHours(int value);

    @Description("Generator seed: the same seed and --events give the same input, byte for byte.")
    @Default.Long(42)
    long getSeed();

    void setSeed(long value);

    @Description("Maximum heap of every run's JVM (-Xmx).")
    @Default.String("4g")
    String getHeap();

    void setHeap(String value);

    @Description(
        "Garbage collector of every run's JVM: G1 (the JVM's default, as make and java -jar run"
            + " the lake) or Parallel (-XX:+UseParallelGC: faster silver and gold, a slower"
            + " erasure).")
    @Default.String("G1")
    String getGc();

    void setGc(String value);

    @Description(
        "Data subjects (user_id values, spread over the learners from the most to the least"
            + " active) to erase with lake forget after gold, on the lake's implementations"
            + " (direct, flink): its wall time and bytes read beside the promotions'. 0: none.")
    @Default.Integer(0)
    int getForget();

    void setForget(int value);

    @Description("Which implementations to run, in order: direct, flink, reference, spark.")
    @Default.String("direct,flink,reference,spark")
    String getImplementations();

    void setImplementations(String value);

    @Description(
        "Also time the streaming bronze writer on the lake's implementations (direct, flink),"
            + " before silver: the bench's records generated in the run's JVM and written as"
            + " lake bronze writes them (BenchBronze), without Kinesis; read back and compared"
            + " with what was generated.")
    @Default.Boolean(false)
    boolean getBronze();

    void setBronze(boolean value);

    @Description(
        "Also time gold without the typed tables (--typedTables=false) on the lake's"
            + " implementations (direct, flink), before the typed run, and report what the typed"
            + " tables cost: gold's wall time with them over without. The untyped run's gold"
            + " tables are dropped before the typed run, which so starts from the same lake.")
    @Default.Boolean(true)
    boolean getTypedCost();

    void setTypedCost(boolean value);

    @Description("Threads of the plain-Java reference and of Spark's local[N].")
    @Default.Integer(2)
    int getReferenceThreads();

    void setReferenceThreads(int value);

    @Description(
        "The script that builds the Spark peer on first use and prints its java @argfile"
            + " (relative to the working directory).")
    @Default.String("src/scripts/spark-peer.sh")
    String getSparkPeer();

    void setSparkPeer(String value);

    @Description("A tiny run (2,000 events over 2 hours) that checks the benchmark works, for CI.")
    @Default.Boolean(false)
    boolean getSmoke();

    void setSmoke(boolean value);

    @Description("Where results are written.")
    @Default.String("bench-results")
    String getOut();

    void setOut(String value);

    @Description("Scratch folder for the generated lakes (a new temporary folder by default).")
    String getWork();

    void setWork(String value);

    @Description(
        "Record each run with Java Flight Recorder (settings=profile) into <work>/logs/*.jfr;"
            + " implies --keep, and runs without the class-data archive, which JFR cannot run"
            + " with on JDK 17. Summarise with: jfr print --events jdk.ExecutionSample <file>.")
    @Default.Boolean(false)
    boolean getProfile();

    void setProfile(boolean value);

    @Description("Keep the generated lakes and run logs after the run.")
    @Default.Boolean(false)
    boolean getKeep();

    void setKeep(boolean value);
  }

  /** Noon, so that 24 arrival hours hold events created on two dates, as a day's backfill does. */
  static final Instant START = Instant.parse("2026-01-01T12:00:00Z");

  static final List<String> IMPLEMENTATIONS = List.of("direct", "flink", "reference", "spark");

  /**
   * One timed run: a stage (silver, gold) of one implementation. {@code firstRecordSeconds}:
   * seconds from the child JVM's start to the first input record read ({@link FirstRecord}), null
   * (absent in the JSON) when its log has no such line.
   */
  public record Run(
      String stage,
      String implementation,
      String status,
      long inputRecords,
      double wallSeconds,
      double eventsPerSecond,
      long peakRssBytes,
      long rowsWritten,
      Layout layout,
      double loadBefore,
      String log,
      long bytesRead,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double firstRecordSeconds) {}

  /** How a stage's output lies on disk. */
  public record Layout(
      int partitions, int files, long bytes, int minFilesPerPartition, int maxFilesPerPartition) {

    /** This layout and {@code other}'s together, as if one table's (an empty one adds nothing). */
    Layout plus(Layout other) {
      if (other.partitions() == 0) {
        return this;
      }
      if (partitions == 0) {
        return other;
      }
      return new Layout(
          partitions + other.partitions(),
          files + other.files(),
          bytes + other.bytes(),
          Math.min(minFilesPerPartition, other.minFilesPerPartition()),
          Math.max(maxFilesPerPartition, other.maxFilesPerPartition()));
    }
  }

  static final String FORGET = "forget";

  /** Gold without the typed tables ({@code --typedTables=false}): {@link Options#getTypedCost}. */
  static final String GOLD_UNTYPED = "gold-untyped";

  /** The most gold's wall time with the typed tables may be over without them (issue 20). */
  static final double TYPED_COST_TARGET = 1.3;

  /** The bench's command line, run the way the launcher runs its commands. */
  static final Lake.Command COMMAND =
      new Lake.Command(
          "bench",
          "time silver and gold on DirectRunner, Flink and a plain-Java reference (--events, --smoke)",
          Options.class,
          Bench::run);

  public static void main(String[] args) {
    System.exit(Lake.run(COMMAND, args, System.out, System.err));
  }

  public static void run(String[] args, PrintStream out) throws Exception {
    Options options = Lake.parse(args, Options.class);
    long events = options.getSmoke() ? 2_000 : options.getEvents();
    int hours = options.getSmoke() ? 2 : options.getHours();
    if (events < 1 || hours < 1) {
      throw new IllegalArgumentException("--events and --hours must be at least 1");
    }
    if (!options.getHeap().matches("\\d+[kmgKMG]?")) {
      throw new IllegalArgumentException("--heap: '" + options.getHeap() + "' is not like 4g");
    }
    gcOption(options.getGc());
    List<String> implementations =
        Stream.of(options.getImplementations().split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toList());
    for (String impl : implementations) {
      if (!IMPLEMENTATIONS.contains(impl)) {
        throw new IllegalArgumentException(
            "--implementations: '"
                + impl
                + "' is not one of "
                + String.join(", ", IMPLEMENTATIONS));
      }
    }
    Path work =
        options.getWork() != null
            ? Files.createDirectories(Paths.get(options.getWork()))
            : Files.createTempDirectory("lake-bench-");
    Path results = Files.createDirectories(Paths.get(options.getOut()));

    Map<String, Object> machine = machine();
    out.printf(
        Locale.ROOT,
        "Bench: %,d events over %d hour(s), seed %d, heap %s, %s GC%s, in %s%n",
        events,
        hours,
        options.getSeed(),
        options.getHeap(),
        options.getGc(),
        compilerSetting().isEmpty() ? "" : ", " + String.join(" ", compilerSetting()),
        work);
    out.println("Machine: " + machine);

    long t0 = System.nanoTime();
    Path input = work.resolve("input");
    EventGenerator.Summary produced = produce(input, events, hours, options.getSeed());
    double produceSeconds = (System.nanoTime() - t0) / 1e9;
    out.printf(
        Locale.ROOT, "Input: %s (%.1f s)%n", ProduceEvents.describe(produced), produceSeconds);

    Instant lastHour = START.plus(hours - 1L, ChronoUnit.HOURS);
    LocalDate firstDate = LakeLayout.dateOf(START);
    LocalDate lastDate = LakeLayout.dateOf(lastHour);
    String fromHour = START.toString().substring(0, 13);
    String toHour = lastHour.toString().substring(0, 13);

    String benchClassPath = System.getProperty("java.class.path");
    String lakeClassPath = lakeClassPath(benchClassPath, codeOf(Bench.class));
    long bronzeBytes = bytesUnder(input.resolve(LakeLayout.BRONZE_EVENTS));
    Path subjects = work.resolve("subjects.txt");
    if (options.getForget() > 0) {
      Files.write(subjects, subjects(events, hours, options.getSeed(), options.getForget()));
    }
    List<Run> runs = new ArrayList<>();
    List<String> bronzeChecks = new ArrayList<>();
    for (String impl : implementations) {
      Path lake = work.resolve(impl);
      linkBronze(input, lake);
      List<String> silver;
      List<String> gold;
      // JDK 17's flight recorder crashes the JVM (SIGSEGV in the class file load hook) when it
      // meets a class from the shared archive: a profiled run starts without it.
      List<String> classpath =
          new ArrayList<>(options.getProfile() ? List.of() : classDataSharing());
      classpath.addAll(List.of("-cp", impl.equals("reference") ? benchClassPath : lakeClassPath));
      if (impl.equals("spark")) {
        SparkPeer peer =
            SparkPeer.resolve(Paths.get(options.getSparkPeer()), options.getSmoke(), out);
        if (peer.argFile() == null) {
          out.println("spark     skipped: " + peer.problem());
          for (String stage : List.of("silver", "gold")) {
            runs.add(skipped(stage, impl, "skipped: " + peer.problem()));
          }
          continue;
        }
        classpath = peer.classPath();
        silver = SparkPeer.silver(lake, fromHour, toHour, options.getReferenceThreads());
        gold = SparkPeer.gold(lake, firstDate, lastDate, options.getReferenceThreads());
      } else if (impl.equals("reference")) {
        String threads = Integer.toString(options.getReferenceThreads());
        silver =
            List.of(
                BenchReference.class.getName(),
                "silver",
                lake.toString(),
                fromHour,
                toHour,
                threads);
        gold =
            List.of(
                BenchReference.class.getName(),
                "gold",
                lake.toString(),
                firstDate.toString(),
                lastDate.toString(),
                threads);
      } else {
        List<String> runner = runner(impl);
        silver = new ArrayList<>(List.of(Lake.class.getName(), "silver", "--lake=" + lake));
        silver.addAll(List.of("--from=" + fromHour, "--to=" + toHour));
        silver.addAll(runner);
        gold = new ArrayList<>(List.of(Lake.class.getName(), "gold", "--lake=" + lake));
        gold.addAll(List.of("--from=" + firstDate, "--to=" + lastDate));
        gold.addAll(runner);
      }
      if (options.getBronze() && (impl.equals("direct") || impl.equals("flink"))) {
        runs.add(
            bronze(
                impl,
                events,
                hours,
                produced.records,
                benchClassPath,
                options,
                work,
                bronzeChecks,
                out));
      }
      Run s =
          timed(
              "silver",
              impl,
              produced.records,
              bronzeBytes,
              classpath,
              silver,
              lake,
              LakeTable.SILVER_EVENTS.relativeLocation(),
              options,
              work,
              out);
      runs.add(s);
      if (!s.status().equals("ok")) {
        // Gold would read an empty or partial silver: a time for it would mean nothing.
        runs.add(skipped("gold", impl, "skipped: silver " + s.status(), out));
        continue;
      }
      long silverRows = s.rowsWritten() > 0 ? s.rowsWritten() : produced.records;
      boolean lakeImpl = impl.equals("direct") || impl.equals("flink");
      if (options.getTypedCost() && lakeImpl) {
        List<String> untyped = new ArrayList<>(gold);
        untyped.add("--typedTables=false");
        Run u =
            timed(
                GOLD_UNTYPED,
                impl,
                silverRows,
                s.layout().bytes(),
                classpath,
                untyped,
                lake,
                LakeTable.GOLD_EVENTS.relativeLocation(),
                options,
                work,
                out);
        runs.add(u);
        dropGold(lake);
      }
      Run g =
          timed(
              "gold",
              impl,
              silverRows,
              s.layout().bytes(),
              classpath,
              gold,
              lake,
              LakeTable.GOLD_EVENTS.relativeLocation(),
              options,
              work,
              out);
      runs.add(g);
      typedCost(runs, impl).ifPresent(line -> out.println("    " + line));
      if (options.getForget() > 0 && lakeImpl) {
        if (!g.status().equals("ok")) {
          runs.add(skipped(FORGET, impl, "skipped: gold " + g.status(), out));
          continue;
        }
        List<String> forget = new ArrayList<>(List.of(Lake.class.getName(), FORGET));
        forget.addAll(
            List.of(
                "--lake=" + lake,
                "--field=" + EventCatalog.USER_ID,
                "--valuesFile=" + subjects,
                "--requestId=" + FORGET));
        forget.addAll(runner(impl));
        runs.add(
            timed(
                FORGET,
                impl,
                produced.records,
                0,
                classpath,
                forget,
                lake,
                LakeTable.SILVER_EVENTS.relativeLocation(),
                options,
                work,
                out));
      }
    }

    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("timestamp", stamp);
    report.put("machine", machine);
    Map<String, Object> input0 = new LinkedHashMap<>();
    input0.put("events", events);
    input0.put("hours", hours);
    input0.put("seed", options.getSeed());
    input0.put("records", produced.records);
    input0.put("duplicate_records", produced.duplicateRecords);
    input0.put("malformed_records", produced.malformedRecords);
    input0.put("heap", options.getHeap());
    input0.put("gc", options.getGc());
    if (!compilerSetting().isEmpty()) {
      input0.put("compiler", String.join(" ", compilerSetting()));
    }
    input0.put("produce_seconds", round(produceSeconds));
    report.put("input", input0);
    report.put("runs", runs);
    List<String> checks = new ArrayList<>(bronzeChecks);
    checks.addAll(checks(runs));
    for (String impl : implementations) {
      typedCost(runs, impl).ifPresent(checks::add);
    }
    report.put("checks", checks);
    report.put("load_after", loadAverage());

    String markdown = markdown(report, runs, checks);
    Files.writeString(results.resolve(stamp + ".md"), markdown, StandardCharsets.UTF_8);
    Files.writeString(results.resolve("latest.md"), markdown, StandardCharsets.UTF_8);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(results.resolve(stamp + ".json").toFile(), report);
    out.println();
    out.print(markdown);
    out.println(
        "Written: "
            + results.resolve(stamp + ".md")
            + " and .json, "
            + results.resolve("latest.md"));
    if (!options.getKeep() && !options.getProfile()) {
      deleteTree(work);
    } else {
      out.println("Kept the lakes and logs in " + work);
    }
  }

  static EventGenerator.Summary produce(Path lake, long events, int hours, long seed)
      throws IOException {
    ProduceEvents.Options produce =
        PipelineOptionsFactory.fromArgs(
                "--lake=" + lake,
                "--events=" + events,
                "--hours=" + hours,
                "--seed=" + seed,
                "--start=" + START.toString().substring(0, 13))
            .as(ProduceEvents.Options.class);
    return ProduceEvents.run(produce);
  }

  /**
   * Times the streaming bronze writer of {@code impl} in a child JVM ({@link BenchBronze}, on the
   * bench's class path), in a lake of its own, and adds to {@code checks} whether the files hold
   * exactly the records generated. A run whose files do not is reported as a mismatch.
   *
   * @param records the bronze records the bench's input holds, which the stage generates again
   */
  private static Run bronze(
      String impl,
      long events,
      int hours,
      long records,
      String benchClassPath,
      Options options,
      Path work,
      List<String> checks,
      PrintStream out)
      throws IOException, InterruptedException {
    Path lake = work.resolve("bronze-" + impl);
    if (Files.exists(lake)) {
      // A kept --work folder's bronze lake holds the last run's files and Flink checkpoints, which
      // a new launch would resume from: each run starts empty.
      deleteTree(lake);
    }
    // Decided before the records are generated for the check: at 10M that takes a while.
    Optional<String> tooLarge =
        impl.equals("direct")
            ? BenchBronze.tooLargeForDirectRunner(records, heapBytes(options.getHeap()))
            : Optional.empty();
    if (tooLarge.isPresent()) {
      Run run = skipped("bronze", impl, "skipped: " + tooLarge.get(), out);
      checks.add("bronze " + impl + ": " + run.status());
      return run;
    }
    EventGenerator.Settings settings = BenchBronze.settings(events, hours, options.getSeed());
    BenchBronze.Contents expected = BenchBronze.generated(settings);
    List<String> classpath = new ArrayList<>(classDataSharing());
    classpath.addAll(List.of("-cp", benchClassPath));
    List<String> main =
        new ArrayList<>(
            List.of(
                BenchBronze.class.getName(),
                "--lake=" + lake,
                "--events=" + events,
                "--hours=" + hours,
                "--seed=" + options.getSeed()));
    main.addAll(runner(impl));
    Run run =
        timed(
            "bronze",
            impl,
            expected.records(),
            0,
            classpath,
            main,
            lake,
            LakeLayout.BRONZE_EVENTS,
            options,
            work,
            out);
    if (run.status().equals("ok")) {
      String check = BenchBronze.check(impl, expected, BenchBronze.readBack(lake));
      checks.add(check);
      out.println("    " + check);
    } else {
      checks.add("bronze " + impl + ": " + run.status());
    }
    return run;
  }

  /**
   * The JVM option of {@code --gc}: {@code G1} ({@code -XX:+UseG1GC}, the JVM's default, how make
   * and {@code java -jar} run the lake) or {@code Parallel} ({@code -XX:+UseParallelGC}: here 4-10%
   * less wall time and about half the peak RSS for silver and gold, but the erasure at 10M twice as
   * slow, src/docs/benchmark.md).
   *
   * @throws IllegalArgumentException for any other value
   */
  static String gcOption(String gc) {
    return switch (gc) {
      case "Parallel" -> "-XX:+UseParallelGC";
      case "G1" -> "-XX:+UseG1GC";
      default -> throw new IllegalArgumentException("--gc: '" + gc + "' is not Parallel or G1");
    };
  }

  /** The bytes of a {@code -Xmx} value like {@code 4g}, {@code 512m} or {@code 4294967296}. */
  static long heapBytes(String heap) {
    char unit = Character.toLowerCase(heap.charAt(heap.length() - 1));
    int shift =
        switch (unit) {
          case 'k' -> 10;
          case 'm' -> 20;
          case 'g' -> 30;
          default -> 0;
        };
    String digits = shift == 0 ? heap : heap.substring(0, heap.length() - 1);
    return Long.parseLong(digits) << shift;
  }

  /** The lake's arguments for the runner of an implementation ({@code direct}, {@code flink}). */
  private static List<String> runner(String impl) {
    return impl.equals("flink")
        ? List.of("--runner=FlinkRunner", "--flinkMaster=[local]")
        : List.of("--runner=DirectRunner");
  }

  /**
   * {@code count} learners' ids of the generated input, spread evenly over the activity ranks (the
   * most active first): the subjects the bench's erasure forgets.
   */
  static List<String> subjects(long events, int hours, long seed, int count) {
    EventGenerator generator =
        new EventGenerator(new EventGenerator.Settings(events, START, hours, 0, 0, 0, 1, seed));
    long learners = generator.learners();
    List<String> ids = new ArrayList<>();
    for (long i = 0; i < Math.min(count, learners); i++) {
      ids.add(generator.learnerId(i * learners / Math.min(count, learners)));
    }
    return ids;
  }

  /** The bytes of the regular files under {@code folder}. */
  private static long bytesUnder(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      long bytes = 0;
      for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        bytes += Files.size(f);
      }
      return bytes;
    }
  }

  /** The implementation's lake starts with the input's bronze files, hard-linked (no copy). */
  private static void linkBronze(Path input, Path lake) throws IOException {
    Path from = input.resolve("bronze");
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        Path to = lake.resolve("bronze").resolve(from.relativize(f));
        Files.createDirectories(to.getParent());
        try {
          Files.createLink(to, f);
        } catch (UnsupportedOperationException | IOException e) {
          Files.copy(f, to);
        }
      }
    }
  }

  /**
   * What the typed tables cost {@code impl}'s gold: its wall time with them over its time without
   * them ({@link #GOLD_UNTYPED}), against {@link #TYPED_COST_TARGET}, and whether both wrote the
   * same rows; empty unless both runs finished.
   */
  static Optional<String> typedCost(List<Run> runs, String impl) {
    Run typed = find(runs, "gold", impl);
    Run untyped = find(runs, GOLD_UNTYPED, impl);
    if (typed == null
        || untyped == null
        || !typed.status().equals("ok")
        || !untyped.status().equals("ok")
        || untyped.wallSeconds() <= 0) {
      return Optional.empty();
    }
    double cost = typed.wallSeconds() / untyped.wallSeconds();
    return Optional.of(
        String.format(
            Locale.ROOT,
            "typed tables' cost, %s: gold %.1f s with them, %.1f s without (--typedTables=false):"
                + " %.2f× (target at most %.2f×: %s); gold_events rows %s",
            impl,
            typed.wallSeconds(),
            untyped.wallSeconds(),
            cost,
            TYPED_COST_TARGET,
            cost <= TYPED_COST_TARGET ? "met" : "NOT met",
            typed.rowsWritten() == untyped.rowsWritten()
                ? "equal (" + String.format(Locale.ROOT, "%,d", typed.rowsWritten()) + ")"
                : "MISMATCH (" + typed.rowsWritten() + " and " + untyped.rowsWritten() + ")"));
  }

  private static Run find(List<Run> runs, String stage, String impl) {
    return runs.stream()
        .filter(r -> r.stage().equals(stage) && r.implementation().equals(impl))
        .findFirst()
        .orElse(null);
  }

  /**
   * Drops the gold tables of {@code lake} (an untyped gold run left them; no typed table exists
   * yet) with their files, and gold's reports, so that the timed typed run is a first promotion
   * like the untyped one.
   */
  private static void dropGold(Path lake) throws IOException {
    LakeLayout layout = LakeLayout.at(lake.toString());
    CatalogSettings settings =
        CatalogSettings.local(
            layout, Optional.empty(), CatalogSettings.DEFAULT_NAMESPACE, Map.of());
    try (LakeCatalog catalog = LakeCatalog.open(settings)) {
      for (LakeTable table : List.of(LakeTable.GOLD_EVENTS, LakeTable.GOLD_EVENT_STATS)) {
        catalog.iceberg().dropTable(table.identifier(settings.namespace()), true);
      }
    }
    for (Path folder :
        List.of(
            lake.resolve(LakeTable.GOLD_EVENTS.relativeLocation()),
            lake.resolve(LakeTable.GOLD_EVENT_STATS.relativeLocation()),
            lake.resolve(LakeLayout.REPORTS + "/gold"))) {
      if (Files.exists(folder)) {
        deleteTree(folder);
      }
    }
  }

  private static Run skipped(String stage, String impl, String status) {
    return new Run(stage, impl, status, 0, 0, 0, 0, 0, new Layout(0, 0, 0, 0, 0), -1, "", 0, null);
  }

  /** {@link #skipped}, said on {@code out} as a run's line is. */
  private static Run skipped(String stage, String impl, String status, PrintStream out) {
    Run run = skipped(stage, impl, status);
    out.printf(Locale.ROOT, "%-12s %-9s %s%n", run.stage(), impl, run.status());
    return run;
  }

  /** Runs {@code mainAndArgs} in a child JVM and measures it. */
  private static Run timed(
      String stage,
      String impl,
      long inputRecords,
      long bytesRead,
      List<String> classpath,
      List<String> mainAndArgs,
      Path lake,
      String table,
      Options options,
      Path work,
      PrintStream out)
      throws IOException, InterruptedException {
    Path log = work.resolve("logs/" + stage + "-" + impl + ".log");
    Files.createDirectories(log.getParent());
    Path rusage = work.resolve("logs/" + stage + "-" + impl + ".rusage");
    List<String> command = new ArrayList<>();
    boolean gnuTime = Files.isExecutable(Paths.get("/usr/bin/time"));
    if (gnuTime) {
      command.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", rusage.toString()));
    }
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + options.getHeap());
    command.add(gcOption(options.getGc()));
    command.addAll(compilerSetting());
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add("-Dorg.slf4j.simpleLogger.log." + FirstRecord.LOGGER + "=debug");
    if (options.getProfile()) {
      // Beam's and Flink's frames are many: at the default 64 a sample loses the step it is in.
      command.add("-XX:FlightRecorderOptions=stackdepth=512");
      command.add(
          "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
              + work.resolve("logs/" + stage + "-" + impl + ".jfr"));
    }
    command.addAll(classpath);
    command.addAll(mainAndArgs);

    double load = loadAverage();
    long start = System.nanoTime();
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // Spark looks up the host's address otherwise, and warns when it resolves to loopback.
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    long peak = 0;
    while (!process.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      if (!gnuTime) {
        peak = Math.max(peak, highWaterMark(process.pid()));
      }
    }
    double wall = (System.nanoTime() - start) / 1e9;
    int exit = process.exitValue();
    if (gnuTime && Files.exists(rusage)) {
      peak = parseMaxRss(Files.readString(rusage));
    }
    Layout layout = layout(lake.resolve(table), stage.equals("bronze") ? ".jsonl" : ".parquet");
    if (stage.equals("gold") || stage.equals(GOLD_UNTYPED)) {
      // Every table a gold run writes: gold_events, gold_event_stats and the typed tables.
      layout =
          layout
              .plus(layout(lake.resolve(LakeTable.GOLD_EVENT_STATS.relativeLocation()), ".parquet"))
              .plus(layout(lake.resolve(TableFamily.TYPED_EVENTS.folder()), ".parquet"));
    }
    long rows;
    if (exit != 0) {
      rows = 0;
    } else if (stage.equals("bronze")) {
      rows = BenchBronze.readBack(lake).records();
    } else if (stage.equals(FORGET)) {
      // The erasure's receipt: rows and records removed, and what it read, in every layer.
      JsonNode receipt =
          new ObjectMapper()
              .readTree(lake.resolve(LakeLayout.ERASURE_REPORTS + "/" + FORGET + ".json").toFile());
      rows = receipt.path("removed").asLong();
      long read = 0;
      for (JsonNode layer : receipt.path("layers")) {
        read += layer.path("bytes_read").asLong();
      }
      bytesRead = read;
    } else {
      rows = rows(lake, stage.equals("silver") ? "silver_events" : "gold_events");
    }
    String status = exit == 0 ? "ok" : "failed (exit " + exit + ")";
    Run run =
        new Run(
            stage,
            impl,
            status,
            inputRecords,
            round(wall),
            round(inputRecords / wall),
            peak,
            rows,
            layout,
            load,
            log.toString(),
            bytesRead,
            firstRecordSeconds(Files.readString(log, StandardCharsets.UTF_8)));
    out.printf(
        Locale.ROOT,
        "%-12s %-9s %s: %8.1f s (first record %s s), %,10.0f ev/s, peak RSS %,6d MB, %,d rows%s,"
            + " %d files, %,.1f MB read%n",
        stage,
        impl,
        status,
        wall,
        seconds(run.firstRecordSeconds()),
        run.eventsPerSecond(),
        peak >> 20,
        rows,
        stage.equals(FORGET) ? " removed" : "",
        layout.files(),
        bytesRead / 1e6);
    if (exit != 0) {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      lines
          .subList(Math.max(0, lines.size() - FAILED_LOG_LINES), lines.size())
          .forEach(l -> out.println("    " + l));
    }
    return run;
  }

  /**
   * The lines of a failed run's log printed under its result: enough for a Java stack trace with a
   * cause, whose message is at its top.
   */
  static final int FAILED_LOG_LINES = 40;

  private static final Pattern FIRST_RECORD =
      Pattern.compile(
          Pattern.quote(FirstRecord.PREFIX) + "(\\d+)" + Pattern.quote(FirstRecord.SUFFIX));

  /**
   * Seconds from JVM start to the first record read, from the first {@link FirstRecord} line in a
   * run's {@code log} (the lake's, the reference's or Spark's, whatever precedes it on the line);
   * null when there is none.
   */
  static Double firstRecordSeconds(String log) {
    Matcher m = FIRST_RECORD.matcher(log);
    return m.find() ? Long.parseLong(m.group(1)) / 1000.0 : null;
  }

  /** {@code seconds} with one decimal, or {@code –} when unknown. */
  static String seconds(Double seconds) {
    return seconds == null ? "–" : String.format(Locale.ROOT, "%.1f", seconds);
  }

  /** {@code %M} of GNU time: the child's maximum resident set, in KiB. */
  static long parseMaxRss(String rusage) {
    for (String line : rusage.strip().split("\n")) {
      if (line.strip().matches("\\d+")) {
        return Long.parseLong(line.strip()) * 1024;
      }
    }
    return 0;
  }

  /** {@code VmHWM} of a live process, in bytes (0 when it is gone). */
  static long highWaterMark(long pid) {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // The process ended between two polls, or this is not Linux: keep what we have.
    }
    return 0;
  }

  /** The files under {@code table} whose names end in {@code suffix}, by folder (partition). */
  static Layout layout(Path table, String suffix) throws IOException {
    Map<Path, long[]> byPartition = new TreeMap<>();
    if (Files.isDirectory(table)) {
      try (Stream<Path> files = Files.walk(table)) {
        for (Path f :
            files.filter(p -> p.toString().endsWith(suffix)).collect(Collectors.toList())) {
          long[] c = byPartition.computeIfAbsent(f.getParent(), p -> new long[2]);
          c[0]++;
          c[1] += Files.size(f);
        }
      }
    }
    int files = 0;
    long bytes = 0;
    int min = byPartition.isEmpty() ? 0 : Integer.MAX_VALUE;
    int max = 0;
    for (long[] c : byPartition.values()) {
      files += (int) c[0];
      bytes += c[1];
      min = Math.min(min, (int) c[0]);
      max = Math.max(max, (int) c[0]);
    }
    return new Layout(byPartition.size(), files, bytes, min, max);
  }

  /**
   * Rows in a table of {@code lake}, counted by DuckDB (an independent reader) over every Parquet
   * file under the table's folder: each run writes a fresh lake with one promotion per partition,
   * so every file there is live, whether the implementation wrote Parquet folders or an Iceberg
   * table (whose snapshots {@code lake query} reads).
   */
  static long rows(Path lake, String view) {
    String files = lake.resolve(LakeTable.named(view).relativeLocation()) + "/**/*.parquet";
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM read_parquet("
                    + SnapshotViews.literal(files)
                    + ", hive_partitioning = false)")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return 0;
    }
  }

  /**
   * The class path of the lake's own runs: this JVM's less the entry that holds the bench's
   * classes. Under {@code make bench} ({@code -cp lake.jar:src/bench/target/classes}) that is
   * lake.jar alone, the class path its class-data archive was made for; when the bench's classes
   * are not an entry of their own (surefire), the whole class path.
   */
  static String lakeClassPath(String classPath, Path benchCode) {
    Path own = benchCode.toAbsolutePath().normalize();
    return Stream.of(classPath.split(File.pathSeparator))
        .filter(entry -> !Paths.get(entry).toAbsolutePath().normalize().equals(own))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** The folder or jar {@code type} was loaded from. */
  private static Path codeOf(Class<?> type) {
    try {
      return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The JIT compiler settings this JVM was started with ({@code -XX:TieredStopAtLevel=}, {@code
   * -XX:ReservedCodeCacheSize=}), if any, for every run: the tests' JVMs run with the client
   * compiler only (the parent POM's {@code lake.test.jvm}, for CI's CPU), and so do the smoke
   * test's runs; {@code make bench} sets none, so its runs have the JVM's default.
   */
  static List<String> compilerSetting() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(
            a ->
                a.startsWith("-XX:TieredStopAtLevel=")
                    || a.startsWith("-XX:ReservedCodeCacheSize="))
        .collect(Collectors.toList());
  }

  /**
   * The class-data sharing options this JVM was started with ({@code make bench} passes the archive
   * {@code make build} made, src/scripts/cds-archive.sh), for the runs of the lake's own jar: they
   * start the way the launcher does. Spark's runs have another class path and get none.
   */
  static List<String> classDataSharing() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-Xlog:cds"))
        .collect(Collectors.toList());
  }

  /**
   * Every implementation whose run finished must write the same number of rows in each stage. A run
   * that failed or was skipped wrote nothing to compare: it is named, not counted (its status
   * already says why).
   */
  static List<String> checks(List<Run> runs) {
    List<String> checks = new ArrayList<>();
    for (String stage : List.of("silver", GOLD_UNTYPED, "gold", FORGET)) {
      if ((stage.equals(FORGET) || stage.equals(GOLD_UNTYPED))
          && runs.stream().noneMatch(r -> r.stage().equals(stage))) {
        continue;
      }
      Map<String, Long> rows = new LinkedHashMap<>();
      List<String> notCompared = new ArrayList<>();
      for (Run r : runs) {
        if (!r.stage().equals(stage)) {
          continue;
        }
        if (r.status().equals("ok")) {
          rows.put(r.implementation(), r.rowsWritten());
        } else {
          notCompared.add(r.implementation());
        }
      }
      String verdict =
          rows.isEmpty()
              ? "no finished run"
              : rows.values().stream().distinct().count() == 1 ? "ok, all equal" : "MISMATCH";
      checks.add(
          stage
              + " rows "
              + rows
              + ": "
              + verdict
              + (notCompared.isEmpty() ? "" : " (did not finish: " + notCompared + ")"));
    }
    return checks;
  }

  static String markdown(Map<String, Object> report, List<Run> runs, List<String> checks) {
    StringBuilder md = new StringBuilder();
    @SuppressWarnings("unchecked")
    Map<String, Object> input = (Map<String, Object>) report.get("input");
    @SuppressWarnings("unchecked")
    Map<String, Object> machine = (Map<String, Object>) report.get("machine");
    md.append("# Benchmark ").append(report.get("timestamp")).append("\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Input: %,d events over %s hour(s), seed %s: %,d bronze records (%,d duplicates, %,d"
                + " malformed). Heap %s and the %s garbage collector for every run.%n%n",
            (Long) input.get("events"),
            input.get("hours"),
            input.get("seed"),
            (Long) input.get("records"),
            (Long) input.get("duplicate_records"),
            (Long) input.get("malformed_records"),
            input.get("heap"),
            input.getOrDefault("gc", "G1")));
    if (input.containsKey("compiler")) {
      md.append("Every run's JIT compiler: ").append(input.get("compiler")).append(".\n\n");
    }
    md.append("Machine: ")
        .append(
            machine.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", ")))
        .append(". Load average after: ")
        .append(report.get("load_after"))
        .append(".\n\n");
    md.append(
        "| stage | implementation | status | input records | wall s | first record s | events/s |"
            + " vs reference |"
            + " vs spark | peak RSS MB | rows written | partitions | files | MB written |"
            + " files/partition | MB read | load before |\n");
    md.append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (Run r : runs) {
      Layout l = r.layout();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %,d | %.1f | %s | %,.0f | %s | %s | %,d | %,d | %d | %d | %.1f |"
                  + " %d–%d |"
                  + " %.1f | %.2f |%n",
              r.stage(),
              r.implementation(),
              r.status(),
              r.inputRecords(),
              r.wallSeconds(),
              seconds(r.firstRecordSeconds()),
              r.eventsPerSecond(),
              ratio(r, runs, "reference"),
              ratio(r, runs, "spark"),
              r.peakRssBytes() >> 20,
              r.rowsWritten(),
              l.partitions(),
              l.files(),
              l.bytes() / 1e6,
              l.minFilesPerPartition(),
              l.maxFilesPerPartition(),
              r.bytesRead() / 1e6,
              r.loadBefore()));
    }
    md.append("\nChecks:\n\n");
    checks.forEach(c -> md.append("- ").append(c).append('\n'));
    md.append(
        "\nevents/s = input records / wall time of the run's JVM (start-up included); bronze's"
            + " input is the records it generates (--bronze), silver's the bronze records, gold's"
            + " the silver rows. vs reference = events/s"
            + " relative to the lean plain-Java reference (the lower bound: 1.00× is the limit);"
            + " first record s = seconds from the run's JVM start to the first input record read"
            + " (start-up: class loading, options, catalog, pipeline construction, the runner's own"
            + " start; – when the run's log has no line for it)."
            + " vs spark = events/s relative to Spark local[2] (above 1.00× is faster than"
            + " Spark). gold-untyped = the lake's gold with --typedTables=false, compared with"
            + " the reference's and Spark's gold, which write no typed tables either."
            + " Gold's partitions, files and MB written are those of every table it writes:"
            + " gold_events, gold_event_stats and the typed tables (gold_evt_*). MB read:"
            + " silver's bronze, gold's silver files, the erasure's (forget, with --forget=N"
            + " subjects; its rows written are the records and rows it removed, its input the"
            + " bronze records) every layer it read as its receipt counts.\n");
    return md.toString();
  }

  /**
   * events/s of {@code r} over those of {@code baseline} in the same stage, like 0.52×; {@link
   * #GOLD_UNTYPED} over the baseline's gold, which writes no typed tables either.
   */
  static String ratio(Run r, List<Run> runs, String baseline) {
    Run base = find(runs, r.stage().equals(GOLD_UNTYPED) ? "gold" : r.stage(), baseline);
    if (base == null
        || !base.status().equals("ok")
        || base.eventsPerSecond() <= 0
        || !r.status().equals("ok")) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f×", r.eventsPerSecond() / base.eventsPerSecond());
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", cpuModel());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("memory_gib", memoryGib());
    m.put(
        "jdk",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("load_before", loadAverage());
    return m;
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst()
          .orElse("unknown");
    } catch (IOException | UncheckedIOException e) {
      return "unknown";
    }
  }

  private static double memoryGib() {
    try (Stream<String> lines = Files.lines(Paths.get("/proc/meminfo"))) {
      return lines
          .filter(l -> l.startsWith("MemTotal:"))
          .map(l -> round(Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
          .findFirst()
          .orElse(0.0);
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  /** The 1-minute load average (Linux), or -1. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Paths.get("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }
}
