package io.medallion.lake.events;

import io.medallion.lake.tables.LakeTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;

/**
 * A silver row kept in gold ({@link DeduplicateEvents}), and how many silver rows of its date it
 * stands for.
 *
 * @param date the creation date, {@code YYYY-MM-DD}
 * @param event the kept silver row ({@link LakeTable#SILVER_EVENTS})
 * @param copies 1 plus the copies created on the same date that were dropped as its duplicates
 */
public record DeduplicatedEvent(String date, GenericRecord event, long copies) {

  public static final class Coder extends AtomicCoder<DeduplicatedEvent> {
    private static final Coder INSTANCE = new Coder();
    private static final AvroCoder<GenericRecord> EVENT =
        AvroCoder.of(LakeTable.SILVER_EVENTS.avroSchema());

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(DeduplicatedEvent value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.date(), out);
      EVENT.encode(value.event(), out);
      VarLongCoder.of().encode(value.copies(), out);
    }

    @Override
    public DeduplicatedEvent decode(InputStream in) throws IOException {
      return new DeduplicatedEvent(
          StringUtf8Coder.of().decode(in), EVENT.decode(in), VarLongCoder.of().decode(in));
    }
  }
}
