package io.medallion.lake.events;

import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.tables.LakeTable;
import java.time.LocalDate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Gold {@code events} rows ({@link LakeTable#GOLD_EVENTS}): the kept silver row's columns, less the
 * arrival partition, plus its creation {@code date}; {@code event_type} (normalised) and {@code
 * date} are the table's partition columns.
 */
public final class ToGoldEvents
    extends PTransform<PCollection<DeduplicatedEvent>, PCollection<GenericRecord>> {

  public static ToGoldEvents create() {
    return new ToGoldEvents();
  }

  @Override
  public PCollection<GenericRecord> expand(PCollection<DeduplicatedEvent> events) {
    return events
        .apply("ToGoldRow", ParDo.of(new ToGoldRowFn()))
        .setCoder(AvroCoder.of(LakeTable.GOLD_EVENTS.avroSchema()));
  }

  static GenericRecord goldRow(GenericRecord silver, LocalDate date) {
    Schema gold = LakeTable.GOLD_EVENTS.avroSchema();
    GenericData.Record row = new GenericData.Record(gold);
    for (Schema.Field f : gold.getFields()) {
      if (silver.getSchema().getField(f.name()) != null) {
        row.put(f.pos(), silver.get(f.name()));
      }
    }
    row.put("event_type", PartitionValues.normalise(silver.get("event_type").toString()));
    row.put("date", (int) date.toEpochDay());
    return row;
  }

  static final class ToGoldRowFn extends DoFn<DeduplicatedEvent, GenericRecord> {
    @ProcessElement
    public void process(@Element DeduplicatedEvent e, OutputReceiver<GenericRecord> out) {
      out.output(goldRow(e.event(), LocalDate.parse(e.date())));
    }
  }
}
