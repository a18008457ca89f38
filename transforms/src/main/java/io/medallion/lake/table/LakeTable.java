package io.medallion.lake.table;

import io.medallion.lake.layout.LakeLayout;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.avro.AvroSchemaUtil;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * Every Apache Iceberg table of the lake, defined once: its name (the Glue / Athena table name),
 * schema with field ids, partition spec, sort order, location under the lake root and table
 * properties. The Parquet writers, the commits, Beam SQL input rows, the {@code query} views, the
 * catalogs and the Glue tables all derive from these definitions; nothing else spells a column list
 * or a partition layout of these tables. The tables made at run time (a typed table per event name)
 * are values of this class too, built by their {@link TableFamily} with the columns their data gave
 * them.
 *
 * <p>Bronze (raw JSON files in the Firehose layout), quarantine (JSON lines) and reports are files,
 * not tables; their paths are in {@link LakeLayout}.
 *
 * <p>Rows are not sorted within files (every sort order is {@code unsorted}): the writers keep
 * memory flat, and Parquet column statistics per file still let scans skip files by {@code
 * created_at}.
 *
 * <p>Partition columns are ordinary columns, stored in every data file (identity partitions), so
 * any engine reads a file on its own. All timestamps are UTC ({@code timestamptz}, microseconds).
 *
 * <p>Schema evolution: add a column here (optional, with the next free field id) and every table
 * gains it the next time the lake opens it ({@link LakeCatalog#table}); files written before read
 * back with the column as null. Never reuse or renumber a field id.
 */
public final class LakeTable implements Serializable, Comparable<LakeTable> {
  private static final long serialVersionUID = 1L;

  /** {@code silver_events}' partition columns: the arrival date and hour (UTC). */
  public static final String ARRIVAL_DATE = "dt";

  public static final String ARRIVAL_HOUR = "hour";

  /** Silver {@code events}: one row per valid bronze record, enriched; by arrival hour. */
  public static final LakeTable SILVER_EVENTS =
      builder("silver", "events", Columns.SILVER_EVENTS)
          .partitionedBy(ARRIVAL_DATE, ARRIVAL_HOUR)
          .withoutDictionary("event_uuid", "created_at", "created_datetime", "payload")
          .comment(
              "Validated, enriched events, one row per valid bronze record, by arrival date and"
                  + " hour.")
          .build();

  /** Gold {@code events}: one row per {@code event_uuid}, by event type and creation date. */
  public static final LakeTable GOLD_EVENTS =
      builder("gold", "events", Columns.GOLD_EVENTS)
          .partitionedBy("event_type", "date")
          .withoutDictionary("event_uuid", "created_at", "created_datetime", "payload")
          .comment("De-duplicated events, one row per event_uuid, by event type and creation date.")
          .build();

  /** Gold {@code event_stats}: per creation date, event type and subtype (Beam SQL). */
  public static final LakeTable GOLD_EVENT_STATS =
      builder("gold", "event_stats", Columns.GOLD_EVENT_STATS)
          .partitionedBy("date")
          .comment("Daily event counts per event type and subtype.")
          .build();

  /** Silver {@code uber_movements}: Uber Movement travel times, by city and the row's date. */
  public static final LakeTable SILVER_UBER_MOVEMENTS =
      builder("silver", "uber_movements", Columns.SILVER_UBER_MOVEMENTS)
          .partitionedBy("city", "year", "month", "day")
          // A promotion replaces a source file's rows by filter (source_file = ...); Iceberg
          // deletes a data file by filter only when its column bounds prove every row matches, and
          // the default bounds of a string are cut to 16 characters, too short for a path.
          .withFullMetrics("source_file")
          .comment(
              "Uber Movement travel times, by city and the row's date (the start of its date range).")
          .build();

  private static final List<LakeTable> FIXED =
      List.of(SILVER_EVENTS, GOLD_EVENTS, GOLD_EVENT_STATS, SILVER_UBER_MOVEMENTS);

  private final String layer;
  private final String dataset;
  private final String folder;
  private final Schema schema;
  private final PartitionSpec spec;
  private final String comment;
  private final Map<String, String> ownProperties;
  // Derived on first use, so that the definitions load with Iceberg's API alone (the Pulumi
  // program reads names and folders from them).
  private transient volatile org.apache.avro.Schema avro;

  private LakeTable(Builder b) {
    this.layer = b.layer;
    this.dataset = b.dataset;
    this.folder = b.folder != null ? b.folder : b.layer + "/" + b.dataset;
    this.schema = b.schema;
    PartitionSpec.Builder spec = PartitionSpec.builderFor(schema);
    b.partitionColumns.forEach(spec::identity);
    this.spec = spec.build();
    this.comment = b.comment;
    this.ownProperties = Map.copyOf(b.properties);
  }

  /**
   * A definition of table {@code <layer>_<dataset>} with {@code schema}; the fixed tables are the
   * constants above, and a table made from data at run time is built the same way.
   *
   * @param layer {@code silver} or {@code gold}: lower-case letters, digits and {@code _}
   * @param dataset the rest of the name, same characters
   */
  public static Builder builder(String layer, String dataset, Schema schema) {
    return new Builder(layer, dataset, schema);
  }

  /** Builds a {@link LakeTable}. */
  public static final class Builder {
    private final String layer;
    private final String dataset;
    private final Schema schema;
    private final List<String> partitionColumns = new ArrayList<>();
    private final Map<String, String> properties = new LinkedHashMap<>();
    private String comment = "";
    private String folder;

    private Builder(String layer, String dataset, Schema schema) {
      for (String part : List.of(layer, dataset)) {
        if (!part.matches("[a-z][a-z0-9_]*")) {
          throw new IllegalArgumentException("not a table name part: " + part);
        }
      }
      this.layer = layer;
      this.dataset = dataset;
      this.schema = schema;
    }

    /** Identity partitions on these columns, in this order. */
    public Builder partitionedBy(String... columns) {
      partitionColumns.addAll(List.of(columns));
      return this;
    }

    /**
     * No Parquet dictionary for these columns: a value per row or nearly (a uuid, a payload, a
     * creation time) only costs the writer time (Parquet hashes every value into the dictionary,
     * then falls back to plain encoding once it is full; a quarter of gold's time at 1M events,
     * src/docs/benchmark.md).
     */
    public Builder withoutDictionary(String... columns) {
      for (String column : columns) {
        properties.put(
            TableProperties.PARQUET_DICT_ENCODING_ENABLED_COLUMN_PREFIX + column, "false");
      }
      return this;
    }

    /**
     * The most bytes a column's Parquet dictionary holds in a file before the writer gives it up
     * for plain encoding ({@code write.parquet.dict-size-bytes}; Iceberg's default is 2 MB). For a
     * table whose columns are not known ahead (a typed table): a column of few distinct values
     * keeps its dictionary, one of many gives it up after a few thousand values instead of hashing
     * every value of the file's first page into it and then encoding them again.
     */
    public Builder withDictionaryBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("a dictionary of at least 1 byte, got " + bytes);
      }
      properties.put(TableProperties.PARQUET_DICT_SIZE_BYTES, Integer.toString(bytes));
      return this;
    }

    /** Untruncated column bounds for these columns (a row filter on a long string needs them). */
    public Builder withFullMetrics(String... columns) {
      for (String column : columns) {
        properties.put(TableProperties.METRICS_MODE_COLUMN_CONF_PREFIX + column, "full");
      }
      return this;
    }

    /**
     * The table's folder relative to the lake root, when it is not {@code <layer>/<dataset>}: a
     * {@link TableFamily} keeps its members under one folder.
     *
     * @param relative {@code /}-separated parts of lower-case letters, digits and {@code _}
     */
    public Builder inFolder(String relative) {
      if (!relative.matches("[a-z][a-z0-9_]*(/[a-z0-9_]+)+")) {
        throw new IllegalArgumentException("not a table folder: " + relative);
      }
      this.folder = relative;
      return this;
    }

    public Builder comment(String text) {
      this.comment = text;
      return this;
    }

    public LakeTable build() {
      return new LakeTable(this);
    }
  }

  /** The tables every lake has, in catalog order. */
  public static List<LakeTable> values() {
    return FIXED;
  }

  /** {@code silver}, {@code gold}: the medallion layer. */
  public String layer() {
    return layer;
  }

  /** {@code events}, {@code event_stats}, {@code uber_movements}. */
  public String dataset() {
    return dataset;
  }

  /** The catalog (Glue, Athena, {@code lake query}) name: {@code <layer>_<dataset>}. */
  public String tableName() {
    return layer + "_" + dataset;
  }

  /** The table in {@code namespace} (the Glue database, {@code lake} locally). */
  public TableIdentifier identifier(String namespace) {
    return TableIdentifier.of(Namespace.of(namespace), tableName());
  }

  /**
   * The table's folder relative to the lake root: {@code <layer>/<dataset>}, or where a {@link
   * TableFamily} keeps it ({@code gold/evt/quiz_completed}).
   */
  public String relativeLocation() {
    return folder;
  }

  /**
   * The table's location under {@code lake}; Iceberg keeps {@code data/} (Parquet, in partition
   * folders such as {@code data/dt=2026-01-02/hour=3/}) and {@code metadata/} under it.
   */
  public String location(LakeLayout lake) {
    return lake.resolve(relativeLocation());
  }

  /** The columns this definition declares, with their field ids. */
  public Schema schema() {
    return schema;
  }

  public PartitionSpec spec() {
    return spec;
  }

  /** How rows are ordered within a data file: not at all (see the class comment). */
  public SortOrder sortOrder() {
    return SortOrder.unsorted();
  }

  /** The partition columns, in partition order. */
  public List<String> partitionColumns() {
    List<String> columns = new ArrayList<>();
    for (PartitionField field : spec.fields()) {
      columns.add(schema.findColumnName(field.sourceId()));
    }
    return columns;
  }

  /**
   * The write properties of this definition ({@link Builder#withoutDictionary}, {@link
   * Builder#withDictionaryBytes}, {@link Builder#withFullMetrics}): a table that lacks one gains it
   * when the lake opens it ({@link LakeCatalog#table}), as it gains a column.
   */
  public Map<String, String> writeProperties() {
    return ownProperties;
  }

  /** What the table says of itself in the catalog. */
  public String comment() {
    return comment;
  }

  /**
   * Properties every lake table is created with: format v2, Snappy Parquet (DESIGN.md), old
   * metadata files cleaned up after commits, and room for concurrent commits to retry.
   */
  public Map<String, String> properties() {
    Map<String, String> properties = new LinkedHashMap<>(COMMON_PROPERTIES);
    properties.put("comment", comment);
    properties.putAll(ownProperties);
    return properties;
  }

  private static final Map<String, String> COMMON_PROPERTIES =
      Map.of(
          TableProperties.FORMAT_VERSION,
          "2",
          TableProperties.PARQUET_COMPRESSION,
          "snappy",
          TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED,
          "true",
          TableProperties.METADATA_PREVIOUS_VERSIONS_MAX,
          "100",
          TableProperties.COMMIT_NUM_RETRIES,
          "10");

  /**
   * The Avro record schema of {@code tableSchema} (a loaded table's current schema, or {@link
   * #schema()}), with Iceberg's field ids as properties: what rows travel through the pipelines as
   * and what Iceberg's Parquet writer writes.
   */
  public static org.apache.avro.Schema avroSchema(LakeTable table, Schema tableSchema) {
    return AvroSchemaUtil.convert(tableSchema, avroRecordName(table.tableName()));
  }

  /**
   * {@link #avroSchema(LakeTable, Schema)} of this definition's own schema: the type of the rows
   * the pipelines carry for this table, whose fields are in the definition's order. Writers map
   * them onto the loaded table's field ids ({@link TableAtStart#writeSchema()}), which Iceberg may
   * have numbered differently.
   */
  public org.apache.avro.Schema avroSchema() {
    if (avro == null) {
      avro = avroSchema(this, schema);
    }
    return avro;
  }

  private static String avroRecordName(String tableName) {
    StringBuilder name = new StringBuilder();
    for (String part : tableName.split("_")) {
      name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return name.toString();
  }

  /** The lake table named {@code name} ({@code silver_events}, ...). */
  public static LakeTable named(String name) {
    for (LakeTable table : FIXED) {
      if (table.tableName().equals(name)) {
        return table;
      }
    }
    throw new IllegalArgumentException("no lake table named " + name + "; tables: " + FIXED);
  }

  @Override
  public int compareTo(LakeTable other) {
    return tableName().compareTo(other.tableName());
  }

  /** Two definitions of the same name are the same table. */
  @Override
  public boolean equals(Object o) {
    return o instanceof LakeTable other && tableName().equals(other.tableName());
  }

  @Override
  public int hashCode() {
    return tableName().hashCode();
  }

  @Override
  public String toString() {
    return tableName();
  }

  /**
   * The column lists, in a holder so the enum constants can use them. Field ids are stable: a new
   * column takes the next free id of its table.
   */
  private static final class Columns {
    static final Schema SILVER_EVENTS =
        new Schema(
            NestedField.required(1, "event_uuid", Types.StringType.get()),
            NestedField.required(2, "event_name", Types.StringType.get()),
            NestedField.required(3, "event_type", Types.StringType.get(), "first part of name"),
            NestedField.optional(4, "event_subtype", Types.StringType.get(), "second part"),
            NestedField.required(5, "created_at", Types.TimestampType.withZone()),
            NestedField.required(
                6, "created_datetime", Types.StringType.get(), "created_at as ISO-8601 UTC"),
            NestedField.required(
                7, "payload", Types.StringType.get(), "the other fields, as a JSON object"),
            NestedField.required(8, ARRIVAL_DATE, Types.DateType.get(), "arrival date (UTC)"),
            NestedField.required(
                9, ARRIVAL_HOUR, Types.IntegerType.get(), "arrival hour (UTC), 0-23"));

    /** The silver columns less the arrival partition, plus the creation date. */
    static final Schema GOLD_EVENTS =
        new Schema(
            SILVER_EVENTS.findField("event_uuid"),
            SILVER_EVENTS.findField("event_name"),
            SILVER_EVENTS.findField("event_type"),
            SILVER_EVENTS.findField("event_subtype"),
            SILVER_EVENTS.findField("created_at"),
            SILVER_EVENTS.findField("created_datetime"),
            SILVER_EVENTS.findField("payload"),
            NestedField.required(10, "date", Types.DateType.get(), "creation date (UTC)"));

    static final Schema GOLD_EVENT_STATS =
        new Schema(
            NestedField.required(1, "date", Types.DateType.get(), "creation date (UTC)"),
            NestedField.required(2, "event_type", Types.StringType.get()),
            NestedField.optional(3, "event_subtype", Types.StringType.get()),
            NestedField.required(4, "event_count", Types.LongType.get(), "events kept"),
            NestedField.required(5, "distinct_events", Types.LongType.get()),
            NestedField.required(
                6, "duplicates_removed", Types.LongType.get(), "copies dropped on this date"),
            NestedField.required(7, "first_created_at", Types.TimestampType.withZone()),
            NestedField.required(8, "last_created_at", Types.TimestampType.withZone()));

    static final Schema SILVER_UBER_MOVEMENTS =
        new Schema(
            NestedField.required(1, "origin_movement_id", Types.StringType.get()),
            NestedField.required(2, "origin_display_name", Types.StringType.get()),
            NestedField.required(3, "destination_movement_id", Types.StringType.get()),
            NestedField.optional(4, "destination_display_name", Types.StringType.get()),
            NestedField.required(5, "date_range", Types.StringType.get(), "as given"),
            NestedField.required(6, "date_range_start", Types.DateType.get()),
            NestedField.required(7, "date_range_end", Types.DateType.get()),
            NestedField.optional(8, "days", Types.StringType.get()),
            NestedField.optional(9, "aggregation", Types.StringType.get()),
            NestedField.optional(10, "mean_travel_time_seconds", Types.DoubleType.get()),
            NestedField.optional(11, "lower_bound_travel_time_seconds", Types.DoubleType.get()),
            NestedField.optional(12, "upper_bound_travel_time_seconds", Types.DoubleType.get()),
            NestedField.optional(13, "travel_distance_meters", Types.DoubleType.get()),
            NestedField.optional(14, "origin_geometry", Types.StringType.get()),
            NestedField.optional(15, "destination_geometry", Types.StringType.get()),
            NestedField.optional(16, "day_of_week", Types.StringType.get()),
            NestedField.optional(17, "time_of_day", Types.StringType.get()),
            NestedField.required(18, "source_file", Types.StringType.get()),
            NestedField.required(19, "city", Types.StringType.get(), "normalised [a-z0-9_]+"),
            NestedField.required(20, "year", Types.IntegerType.get(), "of date_range_start"),
            NestedField.required(21, "month", Types.IntegerType.get(), "of date_range_start"),
            NestedField.required(22, "day", Types.IntegerType.get(), "of date_range_start"));

    private Columns() {}
  }
}
