package io.medallion.lake.events;

import io.medallion.lake.table.LakeTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * creation date, event type and subtype, the silver rows created on the date ({@code event_count}),
 * the rows kept in gold ({@code distinct_events}), the rows removed as duplicates, and the first
 * and last {@code created_at} of those silver rows. Input: partial counts ({@link #PARTIAL_STATS},
 * as {@link DeduplicateEvents#STATS} emits them per bucket and bundle), which the SQL adds up.
 * Output rows are {@link LakeTable#GOLD_EVENT_STATS} rows: the SQL names its output columns as the
 * table does, and the rows are copied over by name.
 */
public final class DailyEventStats
    extends PTransform<PCollection<Row>, PCollection<GenericRecord>> {
  /** The SQL's table name. */
  public static final TupleTag<Row> EVENTS = new TupleTag<>("events");

  public static final String SQL_RESOURCE = "daily_event_stats.sql";

  /**
   * A partial count: exactly {@link LakeTable#GOLD_EVENT_STATS}' columns, with {@code date} as days
   * since the epoch and timestamps as microseconds since the epoch, as the table stores them.
   */
  public static final Schema PARTIAL_STATS =
      Schema.builder()
          .addFields(
              sqlFields(
                  LakeTable.GOLD_EVENT_STATS.schema(),
                  LakeTable.GOLD_EVENT_STATS.schema().columns().stream()
                      .map(Types.NestedField::name)
                      .toList()))
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
  public PCollection<GenericRecord> expand(PCollection<Row> partialCounts) {
    PCollection<Row> stats =
        PCollectionTuple.of(EVENTS, partialCounts)
            .apply("AggregateWithSql", SqlTransform.query(sql()));
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
