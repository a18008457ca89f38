package io.medallion.lake.events;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A bronze record that passed validation: the three required fields, the rest as a JSON object, and
 * the arrival hour of the bronze file it came from.
 *
 * @param arrivalHour the start of the arrival hour (UTC) of its bronze partition
 * @param eventUuid the {@code event_uuid}, as text
 * @param eventName the {@code event_name} as received
 * @param createdAtMicros {@code created_at} in microseconds since the epoch (fraction truncated)
 * @param payload every other field, as a JSON object
 */
public record ParsedEvent(
    Instant arrivalHour, String eventUuid, String eventName, long createdAtMicros, String payload) {

  /** A compact coder: this type crosses a fusion break only on runners that split stages. */
  public static final class Coder extends AtomicCoder<ParsedEvent> {
    private static final Coder INSTANCE = new Coder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ParsedEvent value, OutputStream out) throws IOException {
      LONG.encode(value.arrivalHour().getEpochSecond(), out);
      STRING.encode(value.eventUuid(), out);
      STRING.encode(value.eventName(), out);
      LONG.encode(value.createdAtMicros(), out);
      STRING.encode(value.payload(), out);
    }

    @Override
    public ParsedEvent decode(InputStream in) throws IOException {
      return new ParsedEvent(
          Instant.ofEpochSecond(LONG.decode(in)),
          STRING.decode(in),
          STRING.decode(in),
          LONG.decode(in),
          STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
