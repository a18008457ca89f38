package io.medallion.lake.pipelines.options;

import java.util.Locale;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Refuses, before it starts, a DirectRunner run that cannot fit its heap. The DirectRunner keeps
 * every element a GroupByKey gathers in memory until the run ends, so a gold promotion holds all
 * its rows at once: a run larger than the heap would grind through full garbage collections for
 * minutes and end in an {@code OutOfMemoryError}. (Silver is not checked: each worker writes the
 * rows of the files it reads as it reads them, and no step gathers them.) The estimate is the rows'
 * encoded size times the copies the DirectRunner makes of them, measured on the bench input
 * (src/docs/benchmark.md). Distributed runners spill to disk and are not checked. When the command
 * line names no runner, the launcher runs such a run on the embedded Flink cluster instead ({@link
 * Need#onFlinkInstead}).
 */
public final class DirectRunnerMemory {
  /** Heap a gold run needs per silver row it reads. */
  public static final long GOLD_HEAP_PER_ROW = 800;

  private DirectRunnerMemory() {}

  public static boolean isDirect(PipelineOptions options) {
    return options.getRunner() != null
        && options.getRunner().getSimpleName().equals("DirectRunner");
  }

  /**
   * What a run would need on the DirectRunner.
   *
   * @param job the command, like {@code silver}
   * @param bytes the heap it needs, in bytes
   * @param what its input, like {@code 1.7 GB of bronze}
   * @param smaller how to make the run smaller, like {@code fewer dates (--from/--to)}
   */
  public record Need(String job, long bytes, String what, String smaller) {
    /** Whether the run fits this JVM's maximum heap. */
    public boolean fits() {
      return bytes <= Runtime.getRuntime().maxMemory();
    }

    /**
     * Throws when {@code options} run on the DirectRunner and the run does not fit.
     *
     * @throws TooLarge saying what to change
     */
    public void check(PipelineOptions options) {
      if (!isDirect(options) || fits()) {
        return;
      }
      throw new TooLarge(
          this,
          String.format(
              Locale.ROOT,
              "the DirectRunner holds a %s run's rows in memory: %s needs about %s of heap and"
                  + " this JVM has %s; promote %s, run it with --runner=FlinkRunner, or raise -Xmx",
              job,
              what,
              gigabytes(bytes),
              gigabytes(Runtime.getRuntime().maxMemory()),
              smaller));
    }

    /**
     * The line the launcher prints when no runner was named and the run does not fit: it runs on
     * the embedded Flink cluster instead, which spills what it cannot hold to disk.
     */
    public String onFlinkInstead() {
      return String.format(
          Locale.ROOT,
          "%s: %s needs about %s of heap on the DirectRunner and this JVM has %s: running on"
              + " embedded Flink, which spills to disk (name a --runner to choose)",
          job,
          what,
          gigabytes(bytes),
          gigabytes(Runtime.getRuntime().maxMemory()));
    }
  }

  /**
   * A run refused before it started because it does not fit the DirectRunner in this JVM's heap: a
   * user mistake (its message says what to change), and what the launcher turns into a run on
   * embedded Flink when no runner was named ({@link Need#onFlinkInstead}).
   */
  public static final class TooLarge extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Need need;

    TooLarge(Need need, String message) {
      super(message);
      this.need = need;
    }

    /** What the refused run needed. */
    public Need need() {
      return need;
    }
  }

  /**
   * Throws when {@code options} run on the DirectRunner and {@code needed} bytes of heap exceed
   * what this JVM may use ({@link Need#check}).
   *
   * @throws TooLarge saying what to change
   */
  public static void check(
      PipelineOptions options, String job, long needed, String what, String smaller) {
    new Need(job, needed, what, smaller).check(options);
  }

  public static String gigabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
  }
}
