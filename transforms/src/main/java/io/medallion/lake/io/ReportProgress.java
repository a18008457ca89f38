package io.medallion.lake.io;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * A progress line every {@value #INTERVAL_SECONDS} seconds for a long batch run, on stdout: records
 * read, the rate since the last line, the time elapsed and the stage, like {@code silver: 1,234,567
 * records read (98,765/s), 0:42 elapsed, reading bronze}. Applied as a branch on the collection a
 * pipeline reads, it counts elements in a per-JVM reporter (the DirectRunner and embedded Flink run
 * in the launcher's JVM; on a Flink cluster each TaskManager prints its own share to its stdout).
 * When no record came in the last interval the stage says so (the run is in its later steps, or the
 * DirectRunner is busy with other bundles). The lines end with {@code reading done} when the
 * reading step is torn down: the end of the run on the DirectRunner, the end of reading on Flink,
 * whose grouping, writing and commit then go on without a line. Nothing is printed before the
 * runner starts reading (embedded Flink's start-up).
 *
 * <p>Off unless asked ({@code --progress=true}) or the launcher's stdout is a terminal; when off,
 * {@link #attach} adds no step at all (an empty composite would be taken for a primitive with no
 * implementation: the DirectRunner waits on it forever). Beam's own metrics are not readable while
 * an embedded Flink job runs, hence the reporter.
 */
public final class ReportProgress<T> extends PTransform<PCollection<T>, PDone> {
  public static final int INTERVAL_SECONDS = 5;

  private final String job;
  private final String what;

  private ReportProgress(String job, String what) {
    this.job = job;
    this.what = what;
  }

  /** Reports the records of {@code job} (like {@code silver}) read from {@code what}. */
  public static <T> ReportProgress<T> of(String job, String what) {
    return new ReportProgress<>(job, what);
  }

  /**
   * Applies {@link #of} to {@code records} as step {@code ReportProgress} when progress is on:
   * {@code asked} is the {@code --progress} option, null meaning "when stdout is a terminal"
   * (decided here, in the launcher). Returns whether it did.
   */
  public static <T> boolean attach(PCollection<T> records, String job, String what, Boolean asked) {
    boolean on = asked != null ? asked : System.console() != null;
    if (on) {
      records.apply("ReportProgress", of(job, what));
    }
    return on;
  }

  @Override
  public PDone expand(PCollection<T> records) {
    records.apply(
        "CountRecords", ParDo.of(new CountRecordsFn<T>(job, what, UUID.randomUUID().toString())));
    return PDone.in(records.getPipeline());
  }

  static final class CountRecordsFn<T> extends DoFn<T, Void> {
    private final String job;
    private final String what;
    private final String runId;
    private transient Reporter.Run run;

    CountRecordsFn(String job, String what, String runId) {
      this.job = job;
      this.what = what;
      this.runId = runId;
    }

    @Setup
    public void setup() {
      run = Reporter.INSTANCE.register(runId, job, what);
    }

    @ProcessElement
    public void process() {
      run.records.increment();
    }

    @Teardown
    public void teardown() {
      if (run != null) {
        Reporter.INSTANCE.release(run);
      }
    }
  }

  /** One per JVM: prints the line of the run read most recently, every interval. */
  static final class Reporter {
    static final Reporter INSTANCE = new Reporter(System.out);

    static final class Run {
      final String id;
      final String job;
      final String what;
      final long startNanos = System.nanoTime();
      final LongAdder records = new LongAdder();
      final AtomicInteger instances = new AtomicInteger();
      long lastRecords;
      long lastNanos = startNanos;
      boolean done;

      Run(String id, String job, String what) {
        this.id = id;
        this.job = job;
        this.what = what;
      }
    }

    /** Where the lines go; tests swap it. */
    volatile PrintStream out;

    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    Reporter(PrintStream out) {
      this.out = out;
    }

    synchronized Run register(String id, String job, String what) {
      Run run = runs.computeIfAbsent(id, k -> new Run(id, job, what));
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
        out.println(line(run, System.nanoTime(), true));
      }
    }

    synchronized void tick() {
      long now = System.nanoTime();
      // Several runs live at once only when one JVM runs pipelines side by side (tests); each
      // gets its line.
      for (Run run : runs.values()) {
        if (!run.done) {
          out.println(line(run, now, false));
        }
      }
    }

    static String line(Run run, long now, boolean last) {
      long read = run.records.sum();
      double seconds = Math.max(1e-3, (now - run.lastNanos) / 1e9);
      long rate = Math.round((read - run.lastRecords) / seconds);
      String stage =
          last
              ? "reading done"
              : read == run.lastRecords && read > 0
                  ? "no record read in the last interval (later steps: group, write, commit)"
                  : "reading " + run.what;
      run.lastRecords = read;
      run.lastNanos = now;
      long elapsed = (now - run.startNanos) / 1_000_000_000L;
      return String.format(
          Locale.ROOT,
          "%s: %,d records read (%,d/s), %d:%02d elapsed, %s",
          run.job,
          read,
          rate,
          elapsed / 60,
          elapsed % 60,
          stage);
    }
  }
}
