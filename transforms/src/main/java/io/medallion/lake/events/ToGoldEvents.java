package io.medallion.lake.events;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.schemas.EventSchemas;
import java.time.LocalDate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Gold {@code events} rows ({@link EventSchemas#GOLD_EVENT}) keyed by their partition {@code
 * event_type=T/date=D}; the event type moves from the row into the path.
 */
public final class ToGoldEvents
    extends PTransform<PCollection<DeduplicatedEvent>, PCollection<KV<String, GenericRecord>>> {

  public static ToGoldEvents create() {
    return new ToGoldEvents();
  }

  @Override
  public PCollection<KV<String, GenericRecord>> expand(PCollection<DeduplicatedEvent> events) {
    return events
        .apply("ToGoldRow", ParDo.of(new ToGoldRowFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), AvroCoder.of(EventSchemas.GOLD_EVENT)));
  }

  static GenericRecord goldRow(GenericRecord silver) {
    Schema gold = EventSchemas.GOLD_EVENT;
    GenericData.Record row = new GenericData.Record(gold);
    for (Schema.Field f : gold.getFields()) {
      row.put(f.pos(), silver.get(f.name()));
    }
    return row;
  }

  static final class ToGoldRowFn extends DoFn<DeduplicatedEvent, KV<String, GenericRecord>> {
    @ProcessElement
    public void process(
        @Element DeduplicatedEvent e, OutputReceiver<KV<String, GenericRecord>> out) {
      String partition =
          LakeLayout.eventTypeDatePartition(
              PartitionValues.normalise(e.event().get("event_type").toString()),
              LocalDate.parse(e.date()));
      out.output(KV.of(partition, goldRow(e.event())));
    }
  }
}
