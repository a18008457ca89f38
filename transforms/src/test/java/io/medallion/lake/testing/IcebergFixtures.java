package io.medallion.lake.testing;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.ReplacePartitions;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * Builds lake tables for tests without the pipelines: rows as Iceberg generic records, Parquet data
 * files written with Iceberg's own writer (field ids, every column), and commits that carry the
 * promotion's summary properties, as the promotions make them.
 */
public final class IcebergFixtures {
  private IcebergFixtures() {}

  /** The local catalog of the lake at {@code lake} (a SQLite file inside it). */
  public static LakeCatalog localCatalog(Path lake) {
    return LakeCatalog.open(
        CatalogSettings.local(
            LakeLayout.at(lake.toString()),
            Optional.empty(),
            CatalogSettings.DEFAULT_NAMESPACE,
            Map.of()));
  }

  /** A row of {@code table}: column → value; columns not given are null. */
  public static Record row(Table table, Map<String, Object> values) {
    Record row = GenericRecord.create(table.schema());
    values.forEach(
        (column, value) -> {
          if (table.schema().findField(column) == null) {
            throw new IllegalArgumentException(table.name() + " has no column " + column);
          }
          row.setField(column, value);
        });
    return row;
  }

  /**
   * A silver {@code events} row that arrived in hour {@code hour} of {@code dt}, created {@code
   * minute} minutes into it.
   */
  public static Record silverEvent(
      Table table, String uuid, String eventName, LocalDate dt, int hour, int minute) {
    OffsetDateTime createdAt = dt.atTime(hour, minute).atOffset(ZoneOffset.UTC);
    String[] parts = eventName.split(":");
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("event_uuid", uuid);
    values.put("event_name", eventName);
    values.put("event_type", parts[0]);
    values.put("event_subtype", parts.length > 1 ? parts[1] : null);
    values.put("created_at", createdAt);
    values.put("created_datetime", createdAt.toInstant().toString());
    values.put("payload", "{\"n\":" + minute + "}");
    values.put("dt", dt);
    values.put("hour", hour);
    return row(table, values);
  }

  /**
   * Writes {@code rows} (all of one partition) into one Parquet data file under the table's data
   * location, with Iceberg's generic writer, and returns it (not committed).
   */
  public static DataFile writeFile(Table table, List<Record> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("a data file needs rows");
    }
    Schema schema = table.schema();
    PartitionKey partition = new PartitionKey(table.spec(), schema);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    partition.partition(wrapper.wrap(rows.get(0)));
    for (Record row : rows) {
      PartitionKey other = new PartitionKey(table.spec(), schema);
      other.partition(wrapper.wrap(row));
      if (!other.equals(partition)) {
        throw new IllegalArgumentException(
            "rows of several partitions: " + partition + ", " + other);
      }
    }
    OutputFileFactory files =
        OutputFileFactory.builderFor(table, 1, System.nanoTime())
            .format(FileFormat.PARQUET)
            .operationId("test-" + UUID.randomUUID())
            .build();
    GenericFileWriterFactory writers =
        new GenericFileWriterFactory.Builder(table)
            .dataFileFormat(FileFormat.PARQUET)
            .dataSchema(schema)
            .build();
    StructLike key = partition.copy();
    DataWriter<Record> writer =
        writers.newDataWriter(files.newOutputFile(table.spec(), key), table.spec(), key);
    try (writer) {
      rows.forEach(writer::write);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return writer.toDataFile();
  }

  /**
   * Replaces the partitions of {@code rows} with them, one data file per partition, in one commit
   * carrying {@code summary} (e.g. {@code lake.unit}, {@code lake.run-id}, the counts), as a
   * promotion does.
   *
   * @return the new snapshot
   */
  public static Snapshot replacePartitions(
      Table table, List<Record> rows, Map<String, String> summary) {
    Map<PartitionKey, List<Record>> byPartition = new LinkedHashMap<>();
    InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
    for (Record row : rows) {
      PartitionKey key = new PartitionKey(table.spec(), table.schema());
      key.partition(wrapper.wrap(row));
      byPartition.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
    }
    ReplacePartitions replace = table.newReplacePartitions();
    byPartition.values().forEach(part -> replace.addFile(writeFile(table, part)));
    summary.forEach(replace::set);
    replace.commit();
    table.refresh();
    return table.currentSnapshot();
  }

  /** Summary properties of a promotion: its unit, run id and counts. */
  public static Map<String, String> promotion(
      String unit, String runId, long read, long written, long quarantined, long duplicates) {
    Map<String, String> summary = new LinkedHashMap<>();
    summary.put("lake.unit", unit);
    summary.put("lake.run-id", runId);
    summary.put("lake.read", Long.toString(read));
    summary.put("lake.written", Long.toString(written));
    summary.put("lake.quarantined", Long.toString(quarantined));
    summary.put("lake.duplicates-removed", Long.toString(duplicates));
    return summary;
  }

  /** Every row of {@code table}'s current snapshot, read with Iceberg's generic reader. */
  public static List<Record> read(Table table) {
    table.refresh();
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> read = IcebergGenerics.read(table).build()) {
      read.forEach(rows::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }
}
