package io.medallion.lake.events;

import io.medallion.lake.layout.PartitionValues;
import io.medallion.lake.tables.LakeTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.extensions.sql.SqlTransform;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Gold {@code event_stats} with Beam SQL ({@code daily_event_stats.sql} beside this class): per
 * creation date, event type and subtype, the event count, distinct events, duplicates removed and
 * the first and last {@code created_at}. Output rows are {@link LakeTable#GOLD_EVENT_STATS} rows:
 * the SQL names its output columns as the table does, and the rows are copied over by name.
 */
public final class DailyEventStats
    extends PTransform<PCollection<DeduplicatedEvent>, PCollection<GenericRecord>> {
  /** The SQL's table name. */
  public static final TupleTag<Row> EVENTS = new TupleTag<>("events");

  public static final String SQL_RESOURCE = "daily_event_stats.sql";

  /**
   * What the SQL aggregates: one row per de-duplicated event, with the number of copies that were
   * seen of it; the columns it shares with {@link LakeTable#GOLD_EVENTS} have its names and types.
   */
  public static final Schema EVENT_ROW =
      Schema.builder()
          .addFields(
              sqlFields(
                  LakeTable.GOLD_EVENTS.schema(),
                  List.of("date", "event_type", "event_subtype", "created_at")))
          .addInt64Field("copies")
          .build();

  public static DailyEventStats create() {
    return new DailyEventStats();
  }

  public static String sql() {
    try (InputStream in = DailyEventStats.class.getResourceAsStream(SQL_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + SQL_RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public PCollection<GenericRecord> expand(PCollection<DeduplicatedEvent> events) {
    PCollection<Row> rows =
        events.apply("ToSqlRow", ParDo.of(new ToSqlRowFn())).setRowSchema(EVENT_ROW);
    PCollection<Row> stats =
        PCollectionTuple.of(EVENTS, rows).apply("AggregateWithSql", SqlTransform.query(sql()));
    List<String> produced = stats.getSchema().getFieldNames();
    List<String> expected =
        LakeTable.GOLD_EVENT_STATS.schema().columns().stream()
            .map(Types.NestedField::name)
            .toList();
    if (!produced.equals(expected)) {
      throw new IllegalStateException(
          SQL_RESOURCE + " returns columns " + produced + ", not gold_event_stats' " + expected);
    }
    return stats
        .apply("ToStatsRecord", ParDo.of(new ToStatsRecordFn()))
        .setCoder(AvroCoder.of(LakeTable.GOLD_EVENT_STATS.avroSchema()));
  }

  /** Beam schema fields for {@code columns} of an Iceberg schema, as the lake stores them. */
  static List<Schema.Field> sqlFields(org.apache.iceberg.Schema schema, List<String> columns) {
    return columns.stream()
        .map(
            name -> {
              Types.NestedField field = schema.findField(name);
              FieldType type = sqlType(field.type());
              return field.isOptional()
                  ? Schema.Field.nullable(name, type)
                  : Schema.Field.of(name, type);
            })
        .toList();
  }

  private static FieldType sqlType(Type type) {
    return switch (type.typeId()) {
      case STRING -> FieldType.STRING;
      case INTEGER, DATE -> FieldType.INT32; // a date as days since the epoch
      case LONG, TIMESTAMP -> FieldType.INT64; // a timestamp as microseconds since the epoch
      case DOUBLE -> FieldType.DOUBLE;
      default -> throw new IllegalArgumentException("no SQL type for " + type);
    };
  }

  static final class ToSqlRowFn extends DoFn<DeduplicatedEvent, Row> {
    @ProcessElement
    public void process(@Element DeduplicatedEvent e, OutputReceiver<Row> out) {
      Object subtype = e.event().get("event_subtype");
      out.output(
          Row.withSchema(EVENT_ROW)
              .withFieldValue("date", (int) LocalDate.parse(e.date()).toEpochDay())
              .withFieldValue(
                  "event_type", PartitionValues.normalise(e.event().get("event_type").toString()))
              .withFieldValue("event_subtype", subtype == null ? null : subtype.toString())
              .withFieldValue("created_at", (Long) e.event().get("created_at"))
              .withFieldValue("copies", e.copies())
              .build());
    }
  }

  static final class ToStatsRecordFn extends DoFn<Row, GenericRecord> {
    @ProcessElement
    public void process(@Element Row row, OutputReceiver<GenericRecord> out) {
      GenericData.Record r = new GenericData.Record(LakeTable.GOLD_EVENT_STATS.avroSchema());
      for (org.apache.avro.Schema.Field field : r.getSchema().getFields()) {
        r.put(field.pos(), row.getValue(field.name()));
      }
      out.output(r);
    }
  }
}
