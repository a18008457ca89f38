package io.medallion.lake.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * Reads a lake table's current snapshot in tests, two ways: DuckDB over exactly the snapshot's data
 * files (Iceberg's scan planning lists them; a glob over the folder would also see replaced files),
 * and Iceberg's own generic reader; and checks that the two agree row for row.
 */
public final class LakeTables {
  private LakeTables() {}

  /** The local catalog of a local lake (its SQLite file inside the lake). */
  public static CatalogSettings catalog(Path lake) {
    return CatalogSettings.local(
        LakeLayout.at(lake.toString()),
        Optional.empty(),
        CatalogSettings.DEFAULT_NAMESPACE,
        Map.of());
  }

  /** The data files of {@code table}'s current snapshot; none if it has none or does not exist. */
  public static List<String> currentFiles(CatalogSettings catalog, LakeTable table) {
    try (LakeCatalog opened = LakeCatalog.open(catalog)) {
      Optional<Table> loaded = opened.existing(table);
      List<String> files = new ArrayList<>();
      if (loaded.isPresent()) {
        try (CloseableIterable<FileScanTask> tasks = loaded.get().newScan().planFiles()) {
          tasks.forEach(t -> files.add(t.file().location()));
        }
      }
      files.sort(null);
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A DuckDB relation over the current snapshot of a local lake's {@code table}. */
  public static String duckDb(Path lake, LakeTable table) {
    return duckDb(catalog(lake), table, UnaryOperator.identity());
  }

  /**
   * A DuckDB relation over the current snapshot of {@code table}: {@code read_parquet([...])} of
   * its files, each mapped by {@code localPath} (say, from {@code s3://} to a local copy); a typed
   * relation without rows when the snapshot has no files.
   */
  public static String duckDb(
      CatalogSettings catalog, LakeTable table, UnaryOperator<String> localPath) {
    List<String> files = currentFiles(catalog, table);
    if (files.isEmpty()) {
      String columns =
          table.schema().columns().stream()
              .map(c -> "NULL AS " + c.name())
              .collect(Collectors.joining(", "));
      return "(SELECT " + columns + " WHERE false)";
    }
    return "read_parquet(["
        + files.stream()
            .map(localPath)
            .map(f -> "'" + f.replace("'", "''") + "'")
            .collect(Collectors.joining(", "))
        // The partition columns are in the files; DuckDB would also make columns of the folders.
        + "], hive_partitioning = false)";
  }

  /**
   * The current snapshot's files of a local lake's {@code table} as a DuckDB list literal, for
   * {@code parquet_metadata(...)} and {@code parquet_schema(...)}.
   */
  public static String fileList(Path lake, LakeTable table) {
    return currentFiles(catalog(lake), table).stream()
        .map(f -> "'" + f.replace("'", "''") + "'")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** Every row of {@code table}'s current snapshot, read by Iceberg's generic reader. */
  public static List<Record> generics(CatalogSettings catalog, LakeTable table) {
    try (LakeCatalog opened = LakeCatalog.open(catalog)) {
      List<Record> rows = new ArrayList<>();
      Optional<Table> loaded = opened.existing(table);
      if (loaded.isPresent()) {
        try (CloseableIterable<Record> read = IcebergGenerics.read(loaded.get()).build()) {
          read.forEach(rows::add);
        }
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts that DuckDB (over the snapshot's files) and Iceberg's generic reader read the same rows
   * of {@code table}, duplicates included, every column compared; returns the row count.
   */
  public static long assertReadersAgree(
      CatalogSettings catalog, LakeTable table, UnaryOperator<String> localPath) {
    List<Types.NestedField> columns = table.schema().columns();
    String select =
        columns.stream().map(LakeTables::duckDbCanonical).collect(Collectors.joining(", "));
    List<String> duck = new ArrayList<>();
    for (Map<String, Object> row :
        DuckDb.query("SELECT " + select + " FROM " + duckDb(catalog, table, localPath))) {
      duck.add(
          row.values().stream()
              .map(v -> v instanceof Number n ? canonicalNumber(n) : String.valueOf(v))
              .collect(Collectors.joining("|")));
    }
    List<String> iceberg = new ArrayList<>();
    for (Record record : generics(catalog, table)) {
      iceberg.add(
          columns.stream()
              .map(c -> icebergCanonical(record.getField(c.name())))
              .collect(Collectors.joining("|")));
    }
    duck.sort(null);
    iceberg.sort(null);
    assertThat(duck).as(table + " read by DuckDB vs IcebergGenerics").isEqualTo(iceberg);
    return duck.size();
  }

  public static long assertReadersAgree(Path lake, LakeTable table) {
    return assertReadersAgree(catalog(lake), table, UnaryOperator.identity());
  }

  private static String duckDbCanonical(Types.NestedField column) {
    String c = column.name().equals("date") ? "\"date\"" : column.name();
    return switch (column.type().typeId()) {
      case DATE -> "CAST(" + c + " - DATE '1970-01-01' AS BIGINT) AS " + c;
      case TIMESTAMP -> "epoch_us(" + c + ") AS " + c;
      case INTEGER, LONG -> "CAST(" + c + " AS BIGINT) AS " + c;
      default -> c;
    };
  }

  private static String icebergCanonical(Object value) {
    if (value instanceof LocalDate date) {
      return String.valueOf(date.toEpochDay());
    }
    if (value instanceof OffsetDateTime time) {
      return String.valueOf(
          ChronoUnit.MICROS.between(OffsetDateTime.parse("1970-01-01T00:00:00Z"), time));
    }
    if (value instanceof Number n) {
      return canonicalNumber(n);
    }
    return String.valueOf(value);
  }

  private static String canonicalNumber(Number n) {
    return n instanceof Double || n instanceof Float
        ? String.valueOf(n.doubleValue())
        : String.valueOf(n.longValue());
  }
}
