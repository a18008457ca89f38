package io.medallion.lake.table;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;
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
 * Row-level deletes that another engine wrote (Athena's {@code DELETE}, {@code UPDATE}, {@code
 * MERGE}; Spark's merge-on-read; see {@link RowDeletes}) are applied in the view: the data files
 * with deletes are read with {@code filename = true, file_row_number = true} and every row that a
 * delete file applying to its file names is left out by an anti-join ({@code NOT EXISTS}), a
 * position delete on its file's path and row number, an equality delete on its columns ({@code IS
 * NOT DISTINCT FROM}: a null deletes nulls, as in Iceberg). Which delete files apply to which data
 * file is Iceberg's planning's answer ({@link FileScanTask#deletes()}, sequence numbers and
 * partitions checked), written into the view as a {@code VALUES} list; the data files without
 * deletes are read as before, and a snapshot without deletes keeps the plain view. Deletion vectors
 * (format v3, Puffin files) cannot be read by DuckDB and fail with one line.
 *
 * <p>DuckDB reads local paths only here (its {@code httpfs} extension is not available): an {@code
 * s3://} data file is a user mistake, one line.
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
    List<FileScanTask> tasks = tasks(table, scan);
    if (tasks.isEmpty()) {
      return head + emptySelect(schema);
    }
    List<String> plain = new ArrayList<>();
    List<FileScanTask> withDeletes = new ArrayList<>();
    for (FileScanTask task : tasks) {
      if (task.deletes().isEmpty()) {
        plain.add(localPath(task.file().location()));
      } else {
        withDeletes.add(task);
      }
    }
    List<String> selects = new ArrayList<>();
    if (!plain.isEmpty()) {
      String source = readParquet(plain, "");
      selects.add(select(table, schema, columnsIn(db, source), "") + " FROM " + source);
    }
    if (!withDeletes.isEmpty()) {
      selects.add(selectWithDeletes(db, table, schema, withDeletes));
    }
    return head + String.join(" UNION ALL ", selects);
  }

  /**
   * The rows of {@code tasks}' data files that none of their delete files deletes: each data file
   * read with its name and row numbers, then one anti-join for the position deletes and one per set
   * of equality columns, each through the {@code (data file, delete file)} pairs Iceberg's planning
   * made.
   */
  private static String selectWithDeletes(
      Connection db, LakeTable table, Schema schema, List<FileScanTask> tasks) throws SQLException {
    List<String> files = new ArrayList<>();
    List<String> positionPairs = new ArrayList<>();
    Set<String> positionFiles = new TreeSet<>();
    Map<Set<Integer>, List<String>> equalityPairs = new LinkedHashMap<>();
    Map<Set<Integer>, Set<String>> equalityFiles = new LinkedHashMap<>();
    for (FileScanTask task : tasks) {
      String file = localPath(task.file().location());
      files.add(file);
      for (DeleteFile delete : task.deletes()) {
        if (delete.format() != FileFormat.PARQUET) {
          throw new IllegalStateException(
              table
                  + " has a "
                  + delete.format()
                  + " delete file (a deletion vector, Iceberg format v3?), which lake query cannot"
                  + " read: "
                  + delete.location());
        }
        String deleteFile = localPath(delete.location());
        if (delete.content() == FileContent.POSITION_DELETES) {
          positionFiles.add(deleteFile);
          positionPairs.add(
              "("
                  + literal(file)
                  + ", "
                  + literal(task.file().location())
                  + ", "
                  + literal(deleteFile)
                  + ")");
        } else {
          Set<Integer> ids = new TreeSet<>(delete.equalityFieldIds());
          equalityFiles.computeIfAbsent(ids, k -> new TreeSet<>()).add(deleteFile);
          equalityPairs
              .computeIfAbsent(ids, k -> new ArrayList<>())
              .add("(" + literal(file) + ", " + literal(deleteFile) + ")");
        }
      }
    }
    Set<String> inFiles = columnsIn(db, readParquet(files, ""));
    List<String> conditions = new ArrayList<>();
    if (!positionPairs.isEmpty()) {
      conditions.add(
          "NOT EXISTS (SELECT 1 FROM "
              + readParquet(new ArrayList<>(positionFiles), ", filename = true")
              + " AS p JOIN (VALUES "
              + String.join(", ", positionPairs)
              + ") AS a(data_file, location, delete_file) ON p.filename = a.delete_file"
              + " AND p.file_path = a.location"
              + " WHERE a.data_file = d.filename AND p.pos = d.file_row_number)");
    }
    for (Map.Entry<Set<Integer>, List<String>> group : equalityPairs.entrySet()) {
      List<String> equal = new ArrayList<>();
      for (int id : group.getKey()) {
        NestedField field = schema.findField(id);
        if (field == null) {
          throw new IllegalStateException(
              table + " has equality deletes on field id " + id + ", which its schema lacks");
        }
        String column = identifier(field.name());
        equal.add(
            "e."
                + column
                + " IS NOT DISTINCT FROM "
                + (inFiles.contains(field.name()) ? "d." + column : "NULL"));
      }
      conditions.add(
          "NOT EXISTS (SELECT 1 FROM "
              + readParquet(new ArrayList<>(equalityFiles.get(group.getKey())), ", filename = true")
              + " AS e JOIN (VALUES "
              + String.join(", ", group.getValue())
              + ") AS a(data_file, delete_file) ON e.filename = a.delete_file"
              + " WHERE a.data_file = d.filename AND "
              + String.join(" AND ", equal)
              + ")");
    }
    return select(table, schema, inFiles, "d.")
        + " FROM "
        + readParquet(files, ", filename = true, file_row_number = true")
        + " AS d WHERE "
        + String.join(" AND ", conditions);
  }

  /** {@code read_parquet} of {@code files} by column name, more options after them. */
  private static String readParquet(List<String> files, String options) {
    return "read_parquet("
        + files.stream().map(SnapshotViews::literal).collect(Collectors.joining(", ", "[", "]"))
        + ", union_by_name = true, hive_partitioning = false"
        + options
        + ")";
  }

  /** The column names {@code source} has. */
  private static Set<String> columnsIn(Connection db, String source) throws SQLException {
    Set<String> inFiles = new HashSet<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + source)) {
      while (rs.next()) {
        inFiles.add(rs.getString("column_name"));
      }
    }
    return inFiles;
  }

  /**
   * {@code SELECT} of {@code schema}'s columns, each cast to its type, read from {@code qualifier}
   * columns of the files when they have it, else a typed NULL.
   */
  private static String select(
      LakeTable table, Schema schema, Set<String> inFiles, String qualifier) {
    List<String> columns = new ArrayList<>();
    for (NestedField field : schema.columns()) {
      String value = inFiles.contains(field.name()) ? qualifier + identifier(field.name()) : "NULL";
      columns.add(
          "CAST(" + value + " AS " + duckDbType(table, field) + ") AS " + identifier(field.name()));
    }
    return "SELECT " + String.join(", ", columns);
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
   * The file tasks {@code scan} plans, each a Parquet data file with the delete files that apply to
   * it, by data file path.
   *
   * @throws IllegalArgumentException for a data file DuckDB cannot read here (not local)
   * @throws IllegalStateException for a data file that is not Parquet
   */
  static List<FileScanTask> tasks(LakeTable table, TableScan scan) {
    List<FileScanTask> planned = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = scan.planFiles()) {
      for (FileScanTask task : tasks) {
        if (task.file().format() != FileFormat.PARQUET) {
          throw new IllegalStateException(
              table + " has a " + task.file().format() + " data file: " + task.file().location());
        }
        localPath(task.file().location());
        planned.add(task);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    planned.sort(Comparator.comparing(t -> t.file().location()));
    return planned;
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
