package io.medallion.lake.schemas;

import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.beam.sdk.schemas.Schema.FieldType;

/**
 * The event tables' columns, defined once. Parquet writers, readers, Beam SQL and the Glue table
 * definitions all derive their column lists from these constants (see {@code docs/} and DESIGN).
 *
 * <p>Partition columns ({@code dt}, {@code hour}, {@code event_type} in gold, {@code date}) are not
 * stored in the files: they come from the path, as Athena, DuckDB and Spark expect with hive
 * partitioning.
 */
public final class EventSchemas {
  private EventSchemas() {}

  /** A {@code long} holding microseconds since the epoch, read back as a UTC-adjusted timestamp. */
  public static Schema timestampMicros() {
    return LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
  }

  /** Silver {@code events}: one row per valid bronze record, enriched. */
  public static final Schema SILVER_EVENT =
      SchemaBuilder.record("SilverEvent")
          .namespace("io.medallion.lake")
          .fields()
          .requiredString("event_uuid")
          .requiredString("event_name")
          .requiredString("event_type")
          .optionalString("event_subtype")
          .name("created_at")
          .type(timestampMicros())
          .noDefault()
          .requiredString("created_datetime")
          .requiredString("payload")
          .endRecord();

  /** Silver partition columns, in path order. */
  public static final List<String> SILVER_EVENT_PARTITIONS = List.of("dt", "hour");

  /**
   * Gold {@code events}: the silver columns less {@code event_type}, which is the partition column
   * (the enrichment already normalised it, so nothing is lost).
   */
  public static final Schema GOLD_EVENT =
      SchemaBuilder.record("GoldEvent")
          .namespace("io.medallion.lake")
          .fields()
          .requiredString("event_uuid")
          .requiredString("event_name")
          .optionalString("event_subtype")
          .name("created_at")
          .type(timestampMicros())
          .noDefault()
          .requiredString("created_datetime")
          .requiredString("payload")
          .endRecord();

  public static final List<String> GOLD_EVENT_PARTITIONS = List.of("event_type", "date");

  /** Gold {@code event_stats}: per date, event type and subtype. */
  public static final Schema GOLD_EVENT_STATS =
      SchemaBuilder.record("GoldEventStats")
          .namespace("io.medallion.lake")
          .fields()
          .requiredString("event_type")
          .optionalString("event_subtype")
          .requiredLong("event_count")
          .requiredLong("distinct_events")
          .requiredLong("duplicates_removed")
          .name("first_created_at")
          .type(timestampMicros())
          .noDefault()
          .name("last_created_at")
          .type(timestampMicros())
          .noDefault()
          .endRecord();

  public static final List<String> GOLD_EVENT_STATS_PARTITIONS = List.of("date");

  /**
   * What the {@code event_stats} SQL adds up (partial counts per bucket, from the de-duplication)
   * and returns, before it becomes a {@link #GOLD_EVENT_STATS}. Timestamps stay microsecond longs
   * because Beam SQL's TIMESTAMP has millisecond precision.
   */
  public static final org.apache.beam.sdk.schemas.Schema EVENT_STATS_ROW =
      org.apache.beam.sdk.schemas.Schema.builder()
          .addStringField("event_date")
          .addStringField("event_type")
          .addNullableField("event_subtype", FieldType.STRING)
          .addInt64Field("event_count")
          .addInt64Field("distinct_events")
          .addInt64Field("duplicates_removed")
          .addInt64Field("first_created_at_micros")
          .addInt64Field("last_created_at_micros")
          .build();
}
