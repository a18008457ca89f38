package io.medallion.lake.erasure;

import io.medallion.lake.table.Dataset;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.typed.PayloadColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types.NestedField;

/**
 * Which rows of a lake table are a data subject's, by the columns that can hold the request's
 * top-level field:
 *
 * <ul>
 *   <li>a top-level column named for the field ({@code event_uuid}, {@code event_name}), compared
 *       as text ({@link Subjects#matchesValue}; a number as written);
 *   <li>in a typed event table ({@link TableFamily#TYPED_EVENTS}), the column that holds the
 *       payload member of that name ({@link PayloadColumns}), and {@link TableFamily#RESCUED}
 *       always, where a value that did not fit the column went ({@link Subjects#matchesObject});
 *   <li>else the {@code payload} column, the event's other fields as a JSON object ({@link
 *       Subjects#matchesObject}).
 * </ul>
 *
 * A table with none of these ({@code gold_event_stats}) holds no subject's row. Build one per table
 * schema; not thread-safe only in that {@link Record}s are not.
 */
public final class SubjectRows {
  static final String PAYLOAD = "payload";

  private final Subjects subjects;
  private final List<String> valueColumns = new ArrayList<>();
  private final List<String> objectColumns = new ArrayList<>();
  private final Schema projection;

  /**
   * @param tableName the table's catalog name ({@code silver_events}, {@code gold_evt_quiz})
   * @param schema its current schema
   */
  public SubjectRows(String tableName, Schema schema, Subjects subjects) {
    this.subjects = subjects;
    String field = subjects.field();
    Optional<TableFamily> family =
        Dataset.values().stream()
            .flatMap(d -> d.family().stream())
            .filter(f -> f.isMember(tableName))
            .findFirst();
    if (isValueColumn(schema.findField(field))) {
      valueColumns.add(field);
    } else if (family.isPresent()) {
      PayloadColumns.columnOf(schema, family.get(), field)
          .filter(c -> isValueColumn(schema.findField(c)))
          .ifPresent(valueColumns::add);
    }
    if (family.isPresent()) {
      if (schema.findField(TableFamily.RESCUED) != null) {
        objectColumns.add(TableFamily.RESCUED);
      }
    } else if (valueColumns.isEmpty() && schema.findField(PAYLOAD) != null) {
      objectColumns.add(PAYLOAD);
    }
    List<String> columns = new ArrayList<>(valueColumns);
    columns.addAll(objectColumns);
    this.projection = schema.select(columns);
  }

  private static boolean isValueColumn(NestedField column) {
    if (column == null) {
      return false;
    }
    Type.TypeID type = column.type().typeId();
    return type == Type.TypeID.STRING || type == Type.TypeID.LONG || type == Type.TypeID.INTEGER;
  }

  /** Whether the table has a column that can hold the subjects' field. */
  public boolean canHoldSubjects() {
    return !projection.columns().isEmpty();
  }

  /** The columns {@link #matches} reads: what a scan for the subjects needs to read. */
  public Schema projection() {
    return projection;
  }

  /** Whether {@code row} (with at least the {@link #projection()} columns) is a subject's. */
  public boolean matches(Record row) {
    for (String column : valueColumns) {
      Object value = row.getField(column);
      if (value != null && subjects.matchesValue(value.toString())) {
        return true;
      }
    }
    for (String column : objectColumns) {
      Object value = row.getField(column);
      if (value != null && subjects.matchesObject(value.toString())) {
        return true;
      }
    }
    return false;
  }

  public Subjects subjects() {
    return subjects;
  }
}
