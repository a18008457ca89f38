package io.medallion.lake.events;

import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.tables.LakeTable;
import java.time.LocalDate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Gold {@code events} rows ({@link LakeTable#GOLD_EVENTS}): the kept silver row's columns, less the
 * arrival partition, plus its creation {@code date}; {@code event_type} (normalised) and {@code
 * date} are the table's partition columns.
 */
public final class GoldRows {
  private GoldRows() {}

  /** The gold row of the silver row {@code silver}, created on {@code date}. */
  public static GenericRecord of(GenericRecord silver, LocalDate date) {
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
}
