package io.medallion.lake.progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;

/**
 * A progress line every {@value #INTERVAL_SECONDS} seconds for a long batch run, on stdout: what
 * each stage has counted so far, the time elapsed, and the stage that moved last with its rate,
 * like {@code gold: 9,900,317 read, 4,123,000 de-duplicated, 1:40 elapsed, de-duplicating at
 * 81,234/s}. Each stage is a branch ({@link #count}) on a small collection the pipeline has anyway
 * (its counts, its files written), never on the rows themselves: on Flink a second consumer of the
 * rows would stop the runner chaining the steps that read them, and every row would be encoded on
 * its way. When no stage moved in the last interval the line says so (the run is grouping, writing
 * or committing). When every counting step is torn down the line ends with {@code done}.
 *
 * <p>The counts go to one reporter per JVM: the DirectRunner and embedded Flink run in the
 * launcher's JVM; on a Flink cluster each TaskManager prints its own share to its stdout. Beam's
 * own metrics are not readable while an embedded Flink job runs, hence the reporter. A step's
 * counts reach the reporter as the runner passes them on: the DirectRunner after each bundle.
 *
 * <p>Off unless asked ({@code --progress=true}) or the launcher's stdout is a terminal; when off,
 * {@link #count} adds no step at all (an empty composite would be taken for a primitive with no
 * implementation: the DirectRunner waits on it forever).
 */
public final class ReportProgress {
  public static final int INTERVAL_SECONDS = 5;

  private final String job;
  private final String runId;
  private final boolean on;
  private int stages;

  private ReportProgress(String job, boolean on) {
    this.job = job;
    this.runId = UUID.randomUUID().toString();
    this.on = on;
  }

  /**
   * The progress of one run of {@code job} (like {@code silver}): {@code asked} is the {@code
   * --progress} option, null meaning "when stdout is a terminal" (decided here, in the launcher).
   */
  public static ReportProgress of(String job, Boolean asked) {
    return new ReportProgress(job, asked != null ? asked : System.console() != null);
  }

  /** No progress: {@link #count} adds nothing. */
  public static ReportProgress off() {
    return new ReportProgress("", false);
  }

  public boolean isOn() {
    return on;
  }

  /**
   * Counts {@code weight} of each element of {@code elements} as stage {@code stage} (like {@code
   * de-duplicated}), which the line calls {@code activity} (like {@code de-duplicating}) while it
   * moves. Stages are shown in the order they were added. Adds step {@code Progress<stage>} when
   * on; nothing when off.
   */
  public <T> void count(
      PCollection<T> elements,
      String stage,
      String activity,
      SerializableFunction<T, Long> weight) {
    int index = stages++;
    if (on) {
      elements.apply(
          "Progress" + Character.toUpperCase(stage.charAt(0)) + stage.substring(1),
          ParDo.of(new CountFn<T>(runId, job, index, stage, activity, weight)));
    }
  }

  static final class CountFn<T> extends DoFn<T, Void> {
    private final String runId;
    private final String job;
    private final int index;
    private final String stage;
    private final String activity;
    private final SerializableFunction<T, Long> weight;
    private transient Reporter.Run run;
    private transient Reporter.Stage counter;

    CountFn(
        String runId,
        String job,
        int index,
        String stage,
        String activity,
        SerializableFunction<T, Long> weight) {
      this.runId = runId;
      this.job = job;
      this.index = index;
      this.stage = stage;
      this.activity = activity;
      this.weight = weight;
    }

    @Setup
    public void setup() {
      run = Reporter.INSTANCE.register(runId, job);
      counter = run.stage(index, stage, activity);
    }

    @ProcessElement
    public void process(@Element T element) {
      counter.count.add(weight.apply(element));
    }

    @Teardown
    public void teardown() {
      if (run != null) {
        Reporter.INSTANCE.release(run);
      }
    }
  }

  /** One per JVM: prints the line of every run that is counting, every interval. */
  static final class Reporter {
    static final Reporter INSTANCE = new Reporter(System.out);

    static final class Stage {
      final String name;
      final String activity;
      final LongAdder count = new LongAdder();
      long last;

      Stage(String name, String activity) {
        this.name = name;
        this.activity = activity;
      }
    }

    static final class Run {
      final String job;
      final long startNanos = System.nanoTime();

      /** By the order the stages were added in. */
      final Map<Integer, Stage> stages = new ConcurrentSkipListMap<>();

      final AtomicInteger instances = new AtomicInteger();
      long lastNanos = startNanos;
      boolean done;

      Run(String job) {
        this.job = job;
      }

      Stage stage(int index, String name, String activity) {
        return stages.computeIfAbsent(index, i -> new Stage(name, activity));
      }
    }

    /** Where the lines go; tests swap it. */
    volatile PrintStream out;

    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    Reporter(PrintStream out) {
      this.out = out;
    }

    synchronized Run register(String id, String job) {
      Run run = runs.computeIfAbsent(id, k -> new Run(job));
      run.instances.incrementAndGet();
      run.done = false;
      if (timer == null) {
        timer =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "lake-progress");
                  t.setDaemon(true);
                  return t;
                });
        timer.scheduleAtFixedRate(this::tick, INTERVAL_SECONDS, INTERVAL_SECONDS, TimeUnit.SECONDS);
      }
      return run;
    }

    synchronized void release(Run run) {
      if (run.instances.decrementAndGet() == 0 && !run.done) {
        run.done = true;
        String line = line(run, System.nanoTime(), true);
        if (line != null) {
          out.println(line);
        }
      }
    }

    synchronized void tick() {
      long now = System.nanoTime();
      // Several runs live at once only when one JVM runs pipelines side by side (tests); each
      // gets its line.
      for (Run run : runs.values()) {
        if (!run.done) {
          String line = line(run, now, false);
          if (line != null) {
            out.println(line);
          }
        }
      }
    }

    /** The run's line now, or null before anything was counted. */
    static String line(Run run, long now, boolean last) {
      List<String> counted = new ArrayList<>();
      Stage moved = null;
      long movedBy = 0;
      for (Stage stage : run.stages.values()) {
        long count = stage.count.sum();
        if (count > 0) {
          counted.add(String.format(Locale.ROOT, "%,d %s", count, stage.name));
        }
        if (count > stage.last) {
          moved = stage;
          movedBy = count - stage.last;
        }
        stage.last = count;
      }
      if (counted.isEmpty()) {
        return null;
      }
      double seconds = Math.max(1e-3, (now - run.lastNanos) / 1e9);
      run.lastNanos = now;
      String state =
          last
              ? "done"
              : moved != null
                  ? String.format(
                      Locale.ROOT, "%s at %,d/s", moved.activity, Math.round(movedBy / seconds))
                  : "no count moved in the last interval (grouping, writing or committing)";
      long elapsed = (now - run.startNanos) / 1_000_000_000L;
      return String.format(
          Locale.ROOT,
          "%s: %s, %d:%02d elapsed, %s",
          run.job,
          String.join(", ", counted),
          elapsed / 60,
          elapsed % 60,
          state);
    }
  }
}
