package io.medallion.lake.pipelines;

import io.medallion.lake.pipelines.aws.Kinesis;
import io.medallion.lake.pipelines.aws.KinesisBatchWriter;
import io.medallion.lake.pipelines.aws.KinesisOptions;
import io.medallion.lake.pipelines.options.Args;
import io.medallion.lake.pipelines.options.EventMixOptions;
import io.medallion.lake.producer.EventGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * The dummy producer's Kinesis target: sends the seeded event stream of {@link EventGenerator}
 * (duplicates, malformed and late records included) into a Kinesis stream at {@code --rate} records
 * per second in real time for {@code --seconds}, in batched {@code PutRecords} calls ({@link
 * KinesisBatchWriter}). Not a Beam pipeline. The events' {@code created_at} follow the generator's
 * clock, which starts now and spreads the events over the hours the run spans. Record {@code n} is
 * due at {@code n / rate} seconds after the start; when Kinesis is slower than that, records are
 * sent late rather than dropped, and the summary says how far behind schedule the producer fell.
 *
 * <pre>{@code
 * mvn -pl runners -am test-compile exec:java -Dexec.args="stream --rate=1000 --seconds=60 --kinesisEndpoint=http://127.0.0.1:4568"
 * java -jar runners/target/lake.jar stream --rate=1000 --seconds=60 --kinesisEndpoint=http://127.0.0.1:4568
 * java -jar runners/target/lake.jar stream --stream=events --awsRegion=eu-west-1 --rate=200 --seconds=3600
 * }</pre>
 */
public final class StreamEvents {
  private static final Logger LOG = LoggerFactory.getLogger(StreamEvents.class);

  /** A batch waits at most this long for more records, so a slow stream still flows. */
  private static final Duration MAX_BATCH_DELAY = Duration.ofMillis(200);

  private StreamEvents() {}

  public interface Options extends KinesisOptions, EventMixOptions {
    @Description("Records per second to send (duplicates and malformed records included).")
    @Default.Integer(1000)
    int getRate();

    void setRate(int value);

    @Description("How long to send, in seconds.")
    @Default.Integer(60)
    int getSeconds();

    void setSeconds(int value);
  }

  /**
   * What was sent.
   *
   * @param records records in the stream
   * @param retried record sends repeated after throttling or a partial failure
   * @param took from the first record due to the last one accepted
   * @param maxBehind the most a record was sent after its due time (zero when on schedule)
   */
  public record Summary(long records, long retried, Duration took, Duration maxBehind) {}

  public static void main(String[] args) throws InterruptedException {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    System.out.println(describe(run(options)));
  }

  public static String describe(Summary s) {
    return String.format(
        Locale.ROOT,
        "Sent %,d records in %.1f s (%,.0f/s), %,d retried after throttling or partial failure,"
            + " at most %.1f s behind schedule",
        s.records(),
        s.took().toMillis() / 1000.0,
        s.records() * 1000.0 / Math.max(1, s.took().toMillis()),
        s.retried(),
        s.maxBehind().toMillis() / 1000.0);
  }

  public static Summary run(Options options) throws InterruptedException {
    int rate = Args.positive("--rate", options.getRate());
    int seconds = Args.positive("--seconds", options.getSeconds());
    Instant now = Instant.now();
    long hours = Math.max(1, (seconds + 3599) / 3600);
    // The generator sends about (1 + duplicate + malformed) records per event.
    long events =
        Math.max(
            1,
            Math.round(
                (double) rate
                    * seconds
                    / (1 + options.getDuplicateRate() + options.getMalformedRate())));
    EventGenerator.Settings settings =
        EventMixOptions.settings(options, events, now.truncatedTo(ChronoUnit.SECONDS), (int) hours);
    try (KinesisClient client = Kinesis.client(options)) {
      Kinesis.awaitActive(client, options.getStream(), Duration.ofSeconds(30));
      KinesisBatchWriter writer =
          new KinesisBatchWriter(client, options.getStream(), options.getSeed());
      Pacer pacer = new Pacer(writer, rate, seconds, System::nanoTime, Pacer::sleepNanos);
      new EventGenerator(settings).generate(pacer::send);
      return pacer.finish();
    } catch (PacerStopped e) {
      throw (InterruptedException) e.getCause();
    }
  }

  /**
   * Sends record n at start + n / rate and takes no record due at or after the deadline. A batch is
   * sent once its first record has waited {@link #MAX_BATCH_DELAY} (or it is full). Records that
   * fell due while a slow {@code PutRecords} was running go out at once (late, never dropped) and
   * fill the next batch, so a slow endpoint gets bigger batches rather than one call per record;
   * how late each record went out is measured against its due time. The clock and the sleep are
   * injected, so a test can drive it without waiting.
   */
  static final class Pacer {
    /** Sleeps for a number of nanoseconds. */
    interface Sleeper {
      void sleep(long nanos) throws InterruptedException;
    }

    private final KinesisBatchWriter writer;
    private final double nanosPerRecord;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final long startNanos;
    private final long deadlineNanos;
    private long batchStartNanos;
    private long lastLogNanos;
    private long count;
    private long maxBehindNanos;

    Pacer(KinesisBatchWriter writer, int rate, int seconds, LongSupplier clock, Sleeper sleeper) {
      this.writer = writer;
      this.nanosPerRecord = 1e9 / rate;
      this.clock = clock;
      this.sleeper = sleeper;
      this.startNanos = clock.getAsLong();
      this.deadlineNanos = startNanos + Duration.ofSeconds(seconds).toNanos();
      this.lastLogNanos = startNanos;
    }

    static void sleepNanos(long nanos) throws InterruptedException {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }

    void send(EventGenerator.Record record) {
      long due = startNanos + (long) (count * nanosPerRecord);
      if (due >= deadlineNanos) {
        return;
      }
      try {
        long wait = due - clock.getAsLong();
        if (wait > 0) {
          sleeper.sleep(wait);
        }
        long now = clock.getAsLong();
        maxBehindNanos = Math.max(maxBehindNanos, now - due);
        writer.add(record.bytes());
        count++;
        if (writer.buffered() == 1) {
          batchStartNanos = now;
        }
        if (now - batchStartNanos >= MAX_BATCH_DELAY.toNanos()) {
          writer.flush();
          now = clock.getAsLong();
        }
        if (now - lastLogNanos >= Duration.ofSeconds(10).toNanos()) {
          LOG.info(
              "stream: {} records sent, {} s behind schedule",
              String.format(Locale.ROOT, "%,d", writer.sent()),
              String.format(Locale.ROOT, "%.1f", Math.max(0, now - due) / 1e9));
          lastLogNanos = now;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PacerStopped(e);
      }
    }

    /** Sends what is still buffered and says what was sent. */
    Summary finish() throws InterruptedException {
      writer.flush();
      return new Summary(
          writer.sent(),
          writer.retried(),
          Duration.ofNanos(clock.getAsLong() - startNanos),
          Duration.ofNanos(maxBehindNanos));
    }
  }

  private static final class PacerStopped extends RuntimeException {
    PacerStopped(InterruptedException cause) {
      super(cause);
    }
  }
}
