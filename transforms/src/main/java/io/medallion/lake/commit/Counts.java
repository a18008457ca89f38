package io.medallion.lake.commit;

import io.medallion.lake.progress.ReportProgress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Per-report counters that travel through the pipeline as data, so that a promotion's report is
 * written by the pipeline itself on any runner (metrics are not readable from a detached Flink
 * job). A key is {@code <report id>|<counter>}; {@link CommitPartitions} sums them.
 *
 * <p>DoFns count within a bundle and emit one element per key when the bundle finishes: combiner
 * lifting by hand, so a million records cost a handful of elements, not a million.
 */
public final class Counts {
  public static final String READ = "read";
  public static final String WRITTEN = "written";
  public static final String DUPLICATES_REMOVED = "duplicates_removed";
  public static final String QUARANTINED = "quarantined";

  private Counts() {}

  private static final char SEPARATOR = '|';

  /** The key of {@code counter} of the unit {@code reportId} ({@code dt=2026-01-02/hour=03}). */
  public static String key(String reportId, String counter) {
    return reportId + SEPARATOR + counter;
  }

  /** The unit a {@link #key} counts for. */
  public static String unitOf(String key) {
    int bar = key.indexOf(SEPARATOR);
    return bar < 0 ? key : key.substring(0, bar);
  }

  /** The counter of a {@link #key}, or null for a key without one. */
  public static String counterOf(String key) {
    int bar = key.indexOf(SEPARATOR);
    return bar < 0 ? null : key.substring(bar + 1);
  }

  /**
   * A count's weight for {@link ReportProgress#count}: its value when its counter is one of {@code
   * counters}, else 0.
   */
  public static SerializableFunction<KV<String, Long>, Long> valueOf(String... counters) {
    List<String> wanted = List.of(counters);
    return count -> wanted.contains(counterOf(count.getKey())) ? count.getValue() : 0L;
  }

  public static String quarantined(String reason) {
    return QUARANTINED + "." + reason;
  }

  /** Counts accumulated over one bundle of a DoFn; not thread-safe, like the DoFn itself. */
  public static final class InBundle {
    // By report, then counter: called per row, so the key is not concatenated until the flush.
    private final Map<String, Map<String, long[]>> counts = new HashMap<>();

    public void add(String reportId, String counter, long n) {
      Map<String, long[]> ofReport = counts.computeIfAbsent(reportId, k -> new HashMap<>());
      ofReport.computeIfAbsent(counter, k -> new long[1])[0] += n;
    }

    /** Emits the bundle's counts to {@code tag} and starts over. */
    public <T> void flush(DoFn<T, ?>.FinishBundleContext context, TupleTag<KV<String, Long>> tag) {
      drain(
          count ->
              context.output(tag, count, BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    }

    /**
     * Passes each of the bundle's counts to {@code out}, keyed {@code <report>|<counter>}, and
     * starts over.
     */
    public void drain(Consumer<KV<String, Long>> out) {
      for (Map.Entry<String, Map<String, long[]>> report : counts.entrySet()) {
        for (Map.Entry<String, long[]> e : report.getValue().entrySet()) {
          out.accept(KV.of(key(report.getKey(), e.getKey()), e.getValue()[0]));
        }
      }
      counts.clear();
    }
  }
}
