package io.medallion.lake.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.SnapshotViews;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types.NestedField;
import org.duckdb.DuckDBStruct;

/**
 * Checks that DuckDB, through the views {@code lake query} creates ({@link SnapshotViews}), and
 * Iceberg's own generic reader ({@link IcebergGenerics}) return the same rows for a lake table's
 * snapshot: every column of the table's schema, values compared as text in one canonical form
 * (times as UTC instants, dates ISO, numbers plain), as multisets.
 *
 * <pre>{@code
 * try (LakeCatalog catalog = LakeCatalog.open(settings)) {
 *   for (LakeTable table : LakeTable.values()) {
 *     ReadersAgree.assertReadersAgree(catalog, table);
 *   }
 * }
 * }</pre>
 */
public final class ReadersAgree {
  private ReadersAgree() {}

  /**
   * Asserts both readers agree on {@code definition}'s current snapshot (a table the catalog does
   * not have yet counts as empty for both).
   *
   * @return the number of rows they agree on
   */
  public static int assertReadersAgree(LakeCatalog catalog, LakeTable definition) {
    Optional<Table> table = catalog.existing(definition);
    Optional<Long> current = table.map(Table::currentSnapshot).map(Snapshot::snapshotId);
    return assertReadersAgree(catalog, definition, current);
  }

  /** As {@link #assertReadersAgree(LakeCatalog, LakeTable)}, at snapshot {@code snapshotId}. */
  public static int assertReadersAgree(
      LakeCatalog catalog, LakeTable definition, Optional<Long> snapshotId) {
    Optional<Table> table = catalog.existing(definition);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
      try (Statement s = db.createStatement()) {
        s.execute("SET TimeZone = 'UTC'");
      }
      SnapshotViews.create(db, definition, table, snapshotId);
      if (table.isEmpty()) {
        assertThat(duckDbRows(db, definition.tableName(), definition.schema()))
            .as("DuckDB rows of %s, a table the catalog does not have", definition)
            .isEmpty();
        return 0;
      }
      return assertReadersAgree(db, table.get(), definition.tableName(), snapshotId);
    } catch (SQLException e) {
      throw new AssertionError("DuckDB failed on " + definition, e);
    }
  }

  /**
   * Asserts the view {@code view} of {@code db} (e.g. from {@code lake query}'s own connection)
   * holds the rows Iceberg's generic reader reads from {@code table} at {@code snapshotId} (the
   * current snapshot when empty).
   *
   * @return the number of rows they agree on
   */
  public static int assertReadersAgree(
      Connection db, Table table, String view, Optional<Long> snapshotId) {
    table.refresh();
    Optional<Long> snapshot =
        snapshotId.or(() -> Optional.ofNullable(table.currentSnapshot()).map(Snapshot::snapshotId));
    Schema schema = snapshot.map(id -> SnapshotViews.schema(table, id)).orElse(table.schema());
    List<String> iceberg = icebergRows(table, snapshot, schema);
    List<String> duckDb = duckDbRows(db, view, schema);
    assertThat(duckDb)
        .as("rows of %s through DuckDB vs Iceberg's generic reader", view)
        .containsExactlyInAnyOrderElementsOf(iceberg);
    return iceberg.size();
  }

  /** The rows of {@code table} at {@code snapshot}, read by Iceberg, in canonical text. */
  public static List<String> icebergRows(Table table, Optional<Long> snapshot, Schema schema) {
    List<String> rows = new ArrayList<>();
    if (snapshot.isEmpty()) {
      return rows;
    }
    Snapshot current = table.currentSnapshot();
    IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(table);
    if (current == null || current.snapshotId() != snapshot.get()) {
      // Time travel; the current snapshot reads with the table's current schema, as engines do.
      scan = scan.useSnapshot(snapshot.get());
    }
    try (CloseableIterable<Record> read = scan.build()) {
      for (Record record : read) {
        StringBuilder row = new StringBuilder();
        for (NestedField column : schema.columns()) {
          row.append(column.name())
              .append('=')
              .append(
                  record.struct().field(column.name()) == null
                      ? "NULL"
                      : canonical(record.getField(column.name())))
              .append(" | ");
        }
        rows.add(row.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** Every row of {@code view}, the columns of {@code schema}, in canonical text. */
  public static List<String> duckDbRows(Connection db, String view, Schema schema) {
    List<String> rows = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM \"" + view + "\"")) {
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (NestedField column : schema.columns()) {
          row.append(column.name())
              .append('=')
              .append(canonical(rs.getObject(column.name())))
              .append(" | ");
        }
        rows.add(row.toString());
      }
    } catch (SQLException e) {
      throw new AssertionError("DuckDB cannot read view " + view, e);
    }
    return rows;
  }

  /** One text form for a value either reader returns. */
  static String canonical(Object value) {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof OffsetDateTime t) {
      return t.toInstant().toString();
    }
    if (value instanceof java.sql.Timestamp t) {
      return t.toLocalDateTime().toString();
    }
    if (value instanceof java.sql.Date d) {
      return d.toLocalDate().toString();
    }
    if (value instanceof LocalDate d) {
      return d.toString();
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return Long.toString(((Number) value).longValue());
    }
    if (value instanceof Float || value instanceof Double) {
      return Double.toString(((Number) value).doubleValue());
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof ByteBuffer b) {
      byte[] bytes = new byte[b.remaining()];
      b.duplicate().get(bytes);
      return HexFormat.of().formatHex(bytes);
    }
    if (value instanceof byte[] b) {
      return HexFormat.of().formatHex(b);
    }
    // Nested values (typed tables): a struct as {name=value, ...} in its fields' order, a list
    // as [value, ...], whichever reader gave them.
    if (value instanceof Record record) {
      List<String> fields = new ArrayList<>();
      for (NestedField field : record.struct().fields()) {
        fields.add(field.name() + "=" + canonical(record.getField(field.name())));
      }
      return "{" + String.join(", ", fields) + "}";
    }
    if (value instanceof DuckDBStruct struct) {
      List<String> fields = new ArrayList<>();
      try {
        struct.getMap().forEach((name, v) -> fields.add(name + "=" + canonical(v)));
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
      return "{" + String.join(", ", fields) + "}";
    }
    if (value instanceof java.sql.Array array) {
      try {
        return canonical(Arrays.asList((Object[]) array.getArray()));
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
    }
    if (value instanceof List<?> list) {
      List<String> elements = new ArrayList<>();
      list.forEach(e -> elements.add(canonical(e)));
      return "[" + String.join(", ", elements) + "]";
    }
    return value.toString();
  }
}
