package io.medallion.lake.pulumi;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Glue (Hive) columns derived from the Avro schema constants the pipelines write Parquet with, so
 * the catalog cannot drift from the files: a field added to {@code EventSchemas} shows up in the
 * table on the next {@code pulumi up}.
 */
public final class GlueColumns {
  private GlueColumns() {}

  /** One Glue column: a name and a Hive type name. */
  public record Column(String name, String type) {}

  /** The columns of an Avro record schema, in field order. */
  public static List<Column> of(Schema record) {
    if (record.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException("not a record schema: " + record);
    }
    List<Column> columns = new ArrayList<>();
    for (Schema.Field f : record.getFields()) {
      columns.add(new Column(f.name(), hiveType(f.schema())));
    }
    return columns;
  }

  /**
   * The Hive type Athena reads a Parquet column of this Avro type as. Nullable unions ({@code
   * ["null", T]}) become {@code T}, since every Hive column is nullable; logical types map to what
   * parquet-avro writes for them (a {@code timestamp-micros} long is a Parquet TIMESTAMP(MICROS),
   * which Athena reads as {@code timestamp}).
   */
  public static String hiveType(Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      List<Schema> nonNull =
          schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
      if (nonNull.size() != 1) {
        throw new IllegalArgumentException("only nullable unions map to a Hive type: " + schema);
      }
      return hiveType(nonNull.get(0));
    }
    LogicalType logical = schema.getLogicalType();
    if (logical instanceof LogicalTypes.Date) {
      return "date";
    }
    if (logical instanceof LogicalTypes.TimestampMicros
        || logical instanceof LogicalTypes.TimestampMillis) {
      return "timestamp";
    }
    if (logical instanceof LogicalTypes.Decimal d) {
      return "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
    }
    return switch (schema.getType()) {
      case STRING, ENUM -> "string";
      case LONG -> "bigint";
      case INT -> "int";
      case DOUBLE -> "double";
      case FLOAT -> "float";
      case BOOLEAN -> "boolean";
      case BYTES, FIXED -> "binary";
      case ARRAY -> "array<" + hiveType(schema.getElementType()) + ">";
      case MAP -> "map<string," + hiveType(schema.getValueType()) + ">";
      case RECORD ->
          schema.getFields().stream()
              .map(f -> f.name() + ":" + hiveType(f.schema()))
              .collect(Collectors.joining(",", "struct<", ">"));
      default -> throw new IllegalArgumentException("no Hive type for " + schema);
    };
  }
}
