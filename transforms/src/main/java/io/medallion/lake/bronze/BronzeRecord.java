package io.medallion.lake.bronze;

import io.medallion.lake.events.EventParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One raw record of the bronze layer, byte for byte, with where it came from.
 *
 * @param arrivalHour the arrival hour of the bronze partition holding it
 * @param source {@code <file>:<line>}, the line its first byte is on, for quarantine records and
 *     debugging; just {@code <file>} for the undecodable rest of a gzip file
 * @param offset the byte offset of its first byte in the file's content (after gunzipping); for the
 *     undecodable rest of a gzip file, in the file's compressed bytes
 * @param bytes the record exactly as stored, without the whitespace that separated it from others
 * @param rejection null for a record read from the content, for the parser to judge; set when the
 *     reader already knows it is no record (bytes it could not decode, a malformed {@code
 *     _unframed/} line), with the reason it is quarantined for
 */
public record BronzeRecord(
    Instant arrivalHour,
    String source,
    long offset,
    byte[] bytes,
    EventParser.Rejection rejection) {

  /** A record read from a file's content. */
  public BronzeRecord(Instant arrivalHour, String source, long offset, byte[] bytes) {
    this(arrivalHour, source, offset, bytes, null);
  }

  public static final class Coder extends AtomicCoder<BronzeRecord> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(BronzeRecord value, OutputStream out) throws IOException {
      VarLongCoder.of().encode(value.arrivalHour().getEpochSecond(), out);
      StringUtf8Coder.of().encode(value.source(), out);
      VarLongCoder.of().encode(value.offset(), out);
      ByteArrayCoder.of().encode(value.bytes(), out);
      EventParser.Rejection rejection = value.rejection();
      BooleanCoder.of().encode(rejection != null, out);
      if (rejection != null) {
        StringUtf8Coder.of().encode(rejection.reason().name(), out);
        StringUtf8Coder.of().encode(rejection.detail(), out);
      }
    }

    @Override
    public BronzeRecord decode(InputStream in) throws IOException {
      Instant hour = Instant.ofEpochSecond(VarLongCoder.of().decode(in));
      String source = StringUtf8Coder.of().decode(in);
      long offset = VarLongCoder.of().decode(in);
      byte[] bytes = ByteArrayCoder.of().decode(in);
      EventParser.Rejection rejection = null;
      if (BooleanCoder.of().decode(in)) {
        rejection =
            new EventParser.Rejection(
                EventParser.Reason.valueOf(StringUtf8Coder.of().decode(in)),
                StringUtf8Coder.of().decode(in));
      }
      return new BronzeRecord(hour, source, offset, bytes, rejection);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
