package io.medallion.lake.progress;

import java.util.Locale;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PDone;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a streaming job's progress every {@code interval}: records read and the rate since the last
 * line, how far behind the stream it is (now minus the arrival time of the newest record read), and
 * files written. Input: {@link #RECORDS} (a count), {@link #LATEST_ARRIVAL} (epoch millis) and
 * {@link #FILES} (a count) ticks, pre-aggregated by the steps that emit them. The same numbers are
 * Beam metrics of those steps; this is the line a person watching the job reads. The tick streams
 * may be windowed in any way.
 */
public final class LogStreamProgress extends PTransform<PCollectionList<KV<String, Long>>, PDone> {
  public static final String RECORDS = "records";
  public static final String LATEST_ARRIVAL = "latest_arrival_ms";
  public static final String FILES = "files";

  private final String job;
  private final Duration interval;

  private LogStreamProgress(String job, Duration interval) {
    this.job = job;
    this.interval = interval;
  }

  public static LogStreamProgress every(String job, Duration interval) {
    return new LogStreamProgress(job, interval);
  }

  @Override
  public PDone expand(PCollectionList<KV<String, Long>> tickStreams) {
    PCollectionList<KV<String, Long>> global = PCollectionList.empty(tickStreams.getPipeline());
    for (int i = 0; i < tickStreams.size(); i++) {
      global =
          global.and(
              tickStreams
                  .get(i)
                  .apply(
                      "GlobalWindow" + i,
                      // No grouping follows; the trigger is reset only so the streams can be
                      // flattened.
                      Window.<KV<String, Long>>into(new GlobalWindows())
                          .triggering(DefaultTrigger.of())
                          .withAllowedLateness(Duration.ZERO)
                          .discardingFiredPanes()));
    }
    global
        .apply("FlattenTicks", Flatten.pCollections())
        // One logger for the whole job: ticks are few (one per bundle or file), so one key will do.
        .apply("OneKey", WithKeys.of(""))
        .setCoder(
            KvCoder.of(StringUtf8Coder.of(), KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())))
        .apply("LogProgress", ParDo.of(new LogProgressFn(job, interval)));
    return PDone.in(tickStreams.getPipeline());
  }

  static final class LogProgressFn extends DoFn<KV<String, KV<String, Long>>, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(LogStreamProgress.class);

    private final String job;
    private final Duration interval;

    @StateId("records")
    private final StateSpec<ValueState<Long>> recordsSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("files")
    private final StateSpec<ValueState<Long>> filesSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("latestArrival")
    private final StateSpec<ValueState<Long>> latestSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("logged")
    private final StateSpec<ValueState<KV<Long, Long>>> loggedSpec =
        StateSpecs.value(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()));

    @StateId("armed")
    private final StateSpec<ValueState<Boolean>> armedSpec = StateSpecs.value();

    @TimerId("log")
    private final TimerSpec logSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    LogProgressFn(String job, Duration interval) {
      this.job = job;
      this.interval = interval;
    }

    @ProcessElement
    public void process(
        @Element KV<String, KV<String, Long>> tick,
        @StateId("records") ValueState<Long> records,
        @StateId("files") ValueState<Long> files,
        @StateId("latestArrival") ValueState<Long> latestArrival,
        @StateId("armed") ValueState<Boolean> armed,
        @TimerId("log") Timer log) {
      long value = tick.getValue().getValue();
      switch (tick.getValue().getKey()) {
        case RECORDS -> records.write(orZero(records.read()) + value);
        case FILES -> files.write(orZero(files.read()) + value);
        case LATEST_ARRIVAL -> latestArrival.write(Math.max(orZero(latestArrival.read()), value));
        default -> throw new IllegalArgumentException("unknown progress tick " + tick.getValue());
      }
      if (!Boolean.TRUE.equals(armed.read())) {
        log.offset(interval).setRelative();
        armed.write(true);
      }
    }

    @OnTimer("log")
    public void onLog(
        @StateId("records") ValueState<Long> records,
        @StateId("files") ValueState<Long> files,
        @StateId("latestArrival") ValueState<Long> latestArrival,
        @StateId("logged") ValueState<KV<Long, Long>> logged,
        @StateId("armed") ValueState<Boolean> armed) {
      long now = System.currentTimeMillis();
      long read = orZero(records.read());
      long written = orZero(files.read());
      KV<Long, Long> last = logged.read();
      long readBefore = last == null ? 0 : last.getKey();
      long since = last == null ? interval.getMillis() : Math.max(1, now - last.getValue());
      Long arrival = latestArrival.read();
      String line =
          String.format(
              Locale.ROOT,
              "%s: %,d records read (%,.0f/s), %s behind the stream, %,d files written",
              job,
              read,
              (read - readBefore) * 1000.0 / since,
              arrival == null
                  ? "?"
                  : String.format(Locale.ROOT, "%.1f s", (now - arrival) / 1000.0),
              written);
      LOG.info(line);
      logged.write(KV.of(read, now));
      // Stay quiet while nothing happens; the next tick arms the timer again. This also lets a
      // bounded (test) run end instead of re-arming forever.
      armed.write(false);
    }

    private static long orZero(Long value) {
      return value == null ? 0 : value;
    }
  }
}
