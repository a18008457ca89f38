package io.medallion.lake.pipelines.options;

import io.medallion.lake.producer.EventGenerator;
import java.time.Instant;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What the seeded event generator mixes into a stream: duplicates (some with a re-stamped {@code
 * created_at}), malformed and late records, the number of event types, and the seed. Shared by the
 * file producer and the Kinesis producer.
 */
public interface EventMixOptions extends PipelineOptions {
  @Description("Share of events sent twice, as Kinesis retries do (0 to 1).")
  @Default.Double(0.05)
  double getDuplicateRate();

  void setDuplicateRate(double value);

  @Description(
      "Share of the duplicates whose created_at the retry re-stamps later, as clients that rebuild"
          + " the event do (0 to 1); such a copy can land on the next date.")
  @Default.Double(0.5)
  double getRestampRate();

  void setRestampRate(double value);

  @Description("At most how many seconds later a re-stamped duplicate is created (at least 1).")
  @Default.Integer(EventGenerator.DEFAULT_RESTAMP_MAX_SECONDS)
  int getRestampMaxSeconds();

  void setRestampMaxSeconds(int value);

  @Description("Share of extra malformed records (0 to 1).")
  @Default.Double(0.01)
  double getMalformedRate();

  void setMalformedRate(double value);

  @Description("Share of events that arrive 10 minutes to 3 hours after they were created.")
  @Default.Double(0.02)
  double getLateRate();

  void setLateRate(double value);

  @Description("Number of event types (1 to 250).")
  @Default.Integer(100)
  int getEventTypes();

  void setEventTypes(int value);

  @Description("Random seed: the same seed and options give the same records, byte for byte.")
  @Default.Long(42)
  long getSeed();

  void setSeed(long value);

  /**
   * The generator's settings for {@code events} events over {@code hours} hours from {@code start}.
   */
  static EventGenerator.Settings settings(
      EventMixOptions mix, long events, Instant start, int hours) {
    return new EventGenerator.Settings(
        events,
        start,
        hours,
        mix.getDuplicateRate(),
        mix.getMalformedRate(),
        mix.getLateRate(),
        mix.getEventTypes(),
        mix.getSeed(),
        mix.getRestampRate(),
        mix.getRestampMaxSeconds());
  }
}
