package io.medallion.lake.typed;

import io.medallion.lake.table.TableFamily;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types.NestedField;

/**
 * Where a typed event table holds a top-level payload member: the top-level column whose doc
 * records the member ({@link ColumnNames}: a member's column name is folded, and may carry {@code
 * _2} when its folded name was taken), other than the family's common columns.
 */
public final class PayloadColumns {
  private PayloadColumns() {}

  /**
   * The top-level column of {@code schema} (a typed table's current schema) that holds payload
   * member {@code member}; empty when the table has none (its values, if any, are in {@link
   * TableFamily#RESCUED}).
   */
  public static Optional<String> columnOf(Schema schema, TableFamily family, String member) {
    for (NestedField column : schema.columns()) {
      if (family.columns().findField(column.name()) != null) {
        continue;
      }
      if (ColumnNames.memberOf(column).equals(member)) {
        return Optional.of(column.name());
      }
    }
    return Optional.empty();
  }
}
