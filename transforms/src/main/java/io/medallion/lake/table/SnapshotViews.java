package io.medallion.lake.table;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableScan;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * DuckDB views over a snapshot of a lake table: exactly the Parquet data files Iceberg's scan
 * planning lists for the snapshot, read with {@code read_parquet([...], union_by_name = true)}, the
 * columns in the table schema's order and cast to its types. Replaced files still on disk are not
 * read, and no DuckDB extension is needed (DuckDB's {@code iceberg} extension cannot be loaded
 * here).
 *
 * <ul>
 *   <li>Partition columns are read from the files (Iceberg's writer stores them), never from the
 *       path: {@code hive_partitioning = false}.
 *   <li>A column no file of the snapshot has (added to the schema after they were written) reads as
 *       a typed NULL, as Iceberg reads it.
 *   <li>A table that does not exist yet, or a snapshot without data files, gives a view with the
 *       table's columns and no rows, so a query over a partly built lake still runs.
 * </ul>
 *
 * DuckDB reads local paths only here (its {@code httpfs} extension is not available): an {@code
 * s3://} data file is a user mistake, one line. A snapshot with row-level delete files, which
 * {@code read_parquet} cannot apply, fails rather than return deleted rows (the lake's promotions
 * replace whole files and write none).
 */
public final class SnapshotViews {
  private SnapshotViews() {}

  /**
   * Creates (or replaces) view {@code table.tableName()} in {@code db} over {@code snapshotId} of
   * {@code loaded}; empty {@code loaded} or {@code snapshotId} give the empty typed view.
   *
   * @return the statement run
   */
  public static String create(
      Connection db, LakeTable table, Optional<Table> loaded, Optional<Long> snapshotId)
      throws SQLException {
    String sql = viewSql(db, table, loaded, snapshotId);
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
    return sql;
  }

  /** The {@code CREATE OR REPLACE VIEW} statement {@link #create} runs. */
  public static String viewSql(
      Connection db, LakeTable table, Optional<Table> loaded, Optional<Long> snapshotId)
      throws SQLException {
    String head = "CREATE OR REPLACE VIEW " + identifier(table.tableName()) + " AS ";
    if (loaded.isEmpty() || snapshotId.isEmpty()) {
      Schema schema = loaded.map(Table::schema).orElse(table.schema());
      return head + emptySelect(schema);
    }
    TableScan scan = loaded.get().newScan().useSnapshot(snapshotId.get());
    Schema schema = schema(loaded.get(), snapshotId.get());
    List<String> files = dataFiles(table, scan);
    if (files.isEmpty()) {
      return head + emptySelect(schema);
    }
    String source =
        "read_parquet("
            + files.stream().map(SnapshotViews::literal).collect(Collectors.joining(", ", "[", "]"))
            + ", union_by_name = true, hive_partitioning = false)";
    Set<String> inFiles = new HashSet<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + source)) {
      while (rs.next()) {
        inFiles.add(rs.getString("column_name"));
      }
    }
    List<String> columns = new ArrayList<>();
    for (NestedField field : schema.columns()) {
      String value = inFiles.contains(field.name()) ? identifier(field.name()) : "NULL";
      columns.add(
          "CAST(" + value + " AS " + duckDbType(table, field) + ") AS " + identifier(field.name()));
    }
    return head + "SELECT " + String.join(", ", columns) + " FROM " + source;
  }

  /**
   * The columns a snapshot reads with, as Iceberg engines do: the table's current schema for its
   * current snapshot (so a column just added shows at once, as null), the schema the snapshot was
   * written with for an older one (time travel).
   */
  public static Schema schema(Table table, long snapshotId) {
    Snapshot current = table.currentSnapshot();
    if (current != null && current.snapshotId() == snapshotId) {
      return table.schema();
    }
    return SnapshotUtil.schemaFor(table, snapshotId);
  }

  /**
   * The local paths of the Parquet data files {@code scan} reads.
   *
   * @throws IllegalArgumentException for a data file DuckDB cannot read here (not local)
   * @throws IllegalStateException for row-level deletes, or a data file that is not Parquet
   */
  static List<String> dataFiles(LakeTable table, TableScan scan) {
    List<String> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = scan.planFiles()) {
      for (FileScanTask task : tasks) {
        if (!task.deletes().isEmpty()) {
          throw new IllegalStateException(
              table
                  + " has row-level delete files, which lake query cannot apply: read it with an"
                  + " Iceberg engine (Athena, Spark, Trino)");
        }
        if (task.file().format() != FileFormat.PARQUET) {
          throw new IllegalStateException(
              table + " has a " + task.file().format() + " data file: " + task.file().location());
        }
        files.add(localPath(task.file().location()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.sort(null);
    return files;
  }

  /** {@code /a/b} for {@code /a/b}, {@code file:/a/b} and {@code file:///a/b}. */
  static String localPath(String location) {
    if (location.startsWith("file:")) {
      String path = location.substring("file:".length());
      return path.startsWith("///") ? path.substring(2) : path;
    }
    if (LakeLayout.hasScheme(location)) {
      throw new IllegalArgumentException(
          "query needs a local lake: DuckDB cannot load its httpfs extension here to read "
              + location.substring(0, location.indexOf("://") + 3)
              + " files; for a lake on S3 use Athena (Glue database lake_<stack>, same table"
              + " names)");
    }
    return location;
  }

  /** A SELECT of {@code schema}'s columns, typed, with no rows. */
  static String emptySelect(Schema schema) {
    List<String> columns = new ArrayList<>();
    for (NestedField field : schema.columns()) {
      columns.add("CAST(NULL AS " + duckDbType(null, field) + ") AS " + identifier(field.name()));
    }
    return "SELECT " + String.join(", ", columns) + " WHERE false";
  }

  /**
   * The DuckDB type of an Iceberg column: a struct as {@code STRUCT("a" T, ...)} (DuckDB casts a
   * file's struct to it by name, a member the file lacks read as null), a list as {@code T[]}.
   */
  static String duckDbType(LakeTable table, NestedField field) {
    return duckDbType(table, field.name(), field.type());
  }

  private static String duckDbType(LakeTable table, String column, Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        return "BOOLEAN";
      case INTEGER:
        return "INTEGER";
      case LONG:
        return "BIGINT";
      case FLOAT:
        return "FLOAT";
      case DOUBLE:
        return "DOUBLE";
      case DATE:
        return "DATE";
      case TIME:
        return "TIME";
      case TIMESTAMP:
        return ((Types.TimestampType) type).shouldAdjustToUTC() ? "TIMESTAMPTZ" : "TIMESTAMP";
      case STRING:
        return "VARCHAR";
      case UUID:
        return "UUID";
      case FIXED:
      case BINARY:
        return "BLOB";
      case DECIMAL:
        Types.DecimalType decimal = (Types.DecimalType) type;
        return "DECIMAL(" + decimal.precision() + ", " + decimal.scale() + ")";
      case STRUCT:
        List<String> fields = new ArrayList<>();
        for (NestedField f : type.asStructType().fields()) {
          fields.add(
              identifier(f.name()) + " " + duckDbType(table, column + "." + f.name(), f.type()));
        }
        return "STRUCT(" + String.join(", ", fields) + ")";
      case LIST:
        return duckDbType(table, column, type.asListType().elementType()) + "[]";
      case MAP:
        return "MAP("
            + duckDbType(table, column, type.asMapType().keyType())
            + ", "
            + duckDbType(table, column, type.asMapType().valueType())
            + ")";
      default:
        throw new IllegalStateException(
            (table == null ? "" : table + ".")
                + column
                + ": lake query has no DuckDB type for Iceberg type "
                + type);
    }
  }

  /** {@code s} as a SQL string literal, quotes doubled. */
  public static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  static String identifier(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
