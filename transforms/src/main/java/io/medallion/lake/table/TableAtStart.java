package io.medallion.lake.table;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.iceberg.PartitionData;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.types.Types;

/**
 * A lake table as a run found it when it started: what its writers and its commit need, as plain
 * serializable values (no catalog connection), taken once when the pipeline is built.
 *
 * <p>{@link #snapshotId()} is the snapshot the run's commits validate from: a commit fails if
 * another run added or removed rows of the same unit after it ({@code validateFromSnapshot}).
 *
 * @param table the definition
 * @param schema the loaded table's current schema (its field ids, which Iceberg assigns)
 * @param spec the loaded table's partition spec
 * @param location the table's root location
 * @param properties the table's properties (Parquet compression, metrics modes)
 * @param snapshotId the current snapshot when the run started; null for a table without one
 */
public record TableAtStart(
    LakeTable table,
    Schema schema,
    PartitionSpec spec,
    String location,
    Map<String, String> properties,
    Long snapshotId)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public TableAtStart {
    properties = Map.copyOf(properties);
  }

  /** {@code loaded} now: its schema, spec, location, properties and current snapshot. */
  public static TableAtStart of(LakeTable table, Table loaded) {
    Snapshot current = loaded.currentSnapshot();
    return new TableAtStart(
        table,
        loaded.schema(),
        loaded.spec(),
        loaded.location(),
        loaded.properties(),
        current == null ? null : current.snapshotId());
  }

  /** Loads (or creates) {@code table} in {@code catalog} and takes it as it is now. */
  public static TableAtStart load(CatalogSettings catalog, LakeTable table) {
    try (LakeCatalog opened = LakeCatalog.open(catalog)) {
      return of(table, opened.table(table));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot close the catalog", e);
    }
  }

  /**
   * The members of {@code family} the catalog holds now, by name, each as it is now (its schema,
   * and its current snapshot: the one the run's commits to it validate from).
   */
  public static Map<String, TableAtStart> loadMembers(CatalogSettings catalog, TableFamily family) {
    Map<String, TableAtStart> members = new TreeMap<>();
    try (LakeCatalog opened = LakeCatalog.open(catalog)) {
      for (TableAtStart member :
          PerTable.map(
              opened.members(family),
              m -> {
                // Through the catalog's table(), so that a member gains the write properties
                // its family's definition gained since it was created.
                Table loaded = opened.table(m);
                return of(family.member(m.tableName(), loaded.schema()), loaded);
              })) {
        members.put(member.table().tableName(), member);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot close the catalog", e);
    }
    return members;
  }

  /** Where the table's data files go: {@code <location>/data}, unless the table says otherwise. */
  public String dataLocation() {
    String configured = properties.get(TableProperties.WRITE_DATA_LOCATION);
    return configured != null ? stripSlash(configured) : stripSlash(location) + "/data";
  }

  /**
   * The columns data files are written with: the loaded table's fields (its ids, types and
   * nullability) in the order of the definition, so a row of {@link LakeTable#avroSchema()} is
   * written field by field as it is.
   */
  public Schema writeSchema() {
    List<Types.NestedField> fields = new ArrayList<>();
    for (Types.NestedField column : table.schema().columns()) {
      Types.NestedField loaded = schema.findField(column.name());
      if (loaded == null) {
        throw new IllegalStateException(
            table + " has no column " + column.name() + "; open it with LakeCatalog.table first");
      }
      fields.add(loaded);
    }
    return new Schema(fields);
  }

  /**
   * The Iceberg partition path of a row of {@link LakeTable#avroSchema()}, like {@code
   * dt=2026-01-02/hour=3}: the folder under {@link #dataLocation()} its file goes to.
   */
  public String partitionPath(GenericRecord row) {
    return partitionPaths().of(row);
  }

  /**
   * {@link #partitionPath} for many rows: remembers the path of each partition it has seen, as
   * Iceberg builds a path through an Avro schema conversion that costs more than the rest of a
   * row's write. One per thread (a DoFn instance); a run writes a bounded number of partitions.
   */
  public PartitionPaths partitionPaths() {
    return new PartitionPaths(this);
  }

  /** See {@link #partitionPaths()}. Not thread-safe. */
  public static final class PartitionPaths {
    private final TableAtStart table;
    private final String[] columns;
    private final Map<List<Object>, String> paths = new HashMap<>();
    // The last row's partition values as read (a Utf8 copied) and its path: rows come in runs of
    // one partition, so most rows are matched against these without a lookup or an allocation.
    private org.apache.avro.Schema rowSchema;
    private int[] positions;
    private Object[] last;
    private String lastPath;

    private PartitionPaths(TableAtStart table) {
      this.table = table;
      List<PartitionField> fields = table.spec.fields();
      this.columns = new String[fields.size()];
      for (int i = 0; i < columns.length; i++) {
        columns[i] = table.schema.findColumnName(fields.get(i).sourceId());
      }
    }

    /**
     * The partition path of {@code row}.
     *
     * @throws IllegalArgumentException if a partition column of the row is null
     */
    public String of(GenericRecord row) {
      if (row.getSchema() != rowSchema) {
        rowSchema = row.getSchema();
        positions = new int[columns.length];
        for (int i = 0; i < columns.length; i++) {
          org.apache.avro.Schema.Field field = rowSchema.getField(columns[i]);
          positions[i] = field == null ? -1 : field.pos();
        }
        last = null;
      }
      if (last != null && isLast(row)) {
        return lastPath;
      }
      Object[] values = new Object[columns.length];
      Object[] read = new Object[columns.length];
      for (int i = 0; i < columns.length; i++) {
        Object value = positions[i] < 0 ? null : row.get(positions[i]);
        if (value == null) {
          throw new IllegalArgumentException(
              table.table + " row has no value for its partition column " + columns[i]);
        }
        read[i] = value instanceof Utf8 utf8 ? new Utf8(utf8) : value;
        values[i] = value instanceof Utf8 ? value.toString() : value;
      }
      lastPath = paths.computeIfAbsent(Arrays.asList(values), this::path);
      last = read;
      return lastPath;
    }

    /** Whether {@code row} has the last row's values; a row of this schema, which had them all. */
    private boolean isLast(GenericRecord row) {
      for (int i = 0; i < positions.length; i++) {
        if (!last[i].equals(row.get(positions[i]))) {
          return false;
        }
      }
      return true;
    }

    private String path(List<Object> values) {
      PartitionData partition = new PartitionData(table.spec.partitionType());
      for (int i = 0; i < values.size(); i++) {
        partition.set(i, values.get(i));
      }
      return table.spec.partitionToPath(partition);
    }
  }

  private static String stripSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
