package io.medallion.lake.pipelines;

import io.medallion.lake.producer.EventGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
 * clock, which starts now and spreads the events over the hours the run spans.
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

  /** What was sent. */
  public record Summary(long records, long retried, Duration took) {}

  public static void main(String[] args) throws InterruptedException {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    System.out.println(describe(run(options)));
  }

  public static String describe(Summary s) {
    return String.format(
        "Sent %,d records in %.1f s (%,.0f/s), %,d retried after throttling or partial failure",
        s.records(),
        s.took().toMillis() / 1000.0,
        s.records() * 1000.0 / Math.max(1, s.took().toMillis()),
        s.retried());
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
      Pacer pacer = new Pacer(writer, rate, seconds);
      new EventGenerator(settings).generate(pacer::send);
      writer.flush();
      Duration took = Duration.ofNanos(System.nanoTime() - pacer.startNanos);
      return new Summary(writer.sent(), writer.retried(), took);
    } catch (PacerStopped e) {
      throw (InterruptedException) e.getCause();
    }
  }

  /** Sends record n at start + n / rate, and stops at the deadline. */
  private static final class Pacer {
    private final KinesisBatchWriter writer;
    private final double nanosPerRecord;
    private final long startNanos = System.nanoTime();
    private final long deadlineNanos;
    private long lastFlushNanos = startNanos;
    private long lastLogNanos = startNanos;
    private long count;

    Pacer(KinesisBatchWriter writer, int rate, int seconds) {
      this.writer = writer;
      this.nanosPerRecord = 1e9 / rate;
      this.deadlineNanos = startNanos + Duration.ofSeconds(seconds).toNanos();
    }

    void send(EventGenerator.Record record) {
      long due = startNanos + (long) (count * nanosPerRecord);
      if (due >= deadlineNanos) {
        return;
      }
      try {
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        writer.add(record.bytes());
        count++;
        long now = System.nanoTime();
        if (now - lastFlushNanos >= MAX_BATCH_DELAY.toNanos()) {
          writer.flush();
          lastFlushNanos = now;
        }
        if (now - lastLogNanos >= Duration.ofSeconds(10).toNanos()) {
          LOG.info("stream: {} records sent", String.format("%,d", writer.sent()));
          lastLogNanos = now;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PacerStopped(e);
      }
    }
  }

  private static final class PacerStopped extends RuntimeException {
    PacerStopped(InterruptedException cause) {
      super(cause);
    }
  }
}
