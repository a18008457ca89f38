package io.medallion.lake.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One raw record of the bronze layer, byte for byte, with where it came from.
 *
 * @param arrivalHour the arrival hour of the bronze partition holding it
 * @param source {@code <file>:<line>}, the line its first byte is on, for quarantine records and
 *     debugging
 * @param offset the byte offset of its first byte in the file's content (after gunzipping)
 * @param bytes the record exactly as stored, without the whitespace that separated it from others
 */
public record BronzeRecord(Instant arrivalHour, String source, long offset, byte[] bytes) {

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
    }

    @Override
    public BronzeRecord decode(InputStream in) throws IOException {
      return new BronzeRecord(
          Instant.ofEpochSecond(VarLongCoder.of().decode(in)),
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          ByteArrayCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
