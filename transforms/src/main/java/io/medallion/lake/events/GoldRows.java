package io.medallion.lake.events;

import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.table.LakeTable;
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
  private static final Schema GOLD = LakeTable.GOLD_EVENTS.avroSchema();
  private static final int EVENT_TYPE = GOLD.getField("event_type").pos();
  private static final int DATE = GOLD.getField("date").pos();

  /**
   * Where each gold column is in the last silver schema seen ({@code -1}: not a silver column).
   * Every row of a run has the same schema, so the lookup by name is made once, not per row.
   */
  private static volatile Positions positions = new Positions(null, new int[0]);

  private record Positions(Schema silver, int[] ofGoldColumn) {}

  private GoldRows() {}

  /** The gold row of the silver row {@code silver}, created on {@code date}. */
  public static GenericRecord of(GenericRecord silver, LocalDate date) {
    int[] from = positionsIn(silver.getSchema());
    GenericData.Record row = new GenericData.Record(GOLD);
    for (int i = 0; i < from.length; i++) {
      if (from[i] >= 0) {
        row.put(i, silver.get(from[i]));
      }
    }
    row.put(EVENT_TYPE, PartitionValues.normalise(silver.get(from[EVENT_TYPE]).toString()));
    row.put(DATE, (int) date.toEpochDay());
    return row;
  }

  private static int[] positionsIn(Schema silver) {
    Positions known = positions;
    if (known.silver() == silver) {
      return known.ofGoldColumn();
    }
    int[] from = new int[GOLD.getFields().size()];
    for (Schema.Field f : GOLD.getFields()) {
      Schema.Field source = silver.getField(f.name());
      from[f.pos()] = source == null ? -1 : source.pos();
    }
    positions = new Positions(silver, from);
    return from;
  }
}
