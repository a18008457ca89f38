package io.medallion.lake.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.parquet.Parquet;

/**
 * Row-level deletes as another engine writes them into a lake table (Iceberg format v2): a position
 * delete file naming a data file and row positions (Athena's {@code DELETE}, Spark's
 * merge-on-read), an equality delete file holding column values (Flink's upserts), each written
 * with iceberg-data's writers into the deleted rows' partition and committed with {@code
 * newRowDelta().addDeletes(...)}.
 */
public final class RowDeleteFixtures {
  private RowDeleteFixtures() {}

  /** A data file of the current snapshot and the 0-based position of a row in it. */
  public record RowAt(DataFile file, long position) {}

  /**
   * Where the current snapshot of {@code table} holds rows whose {@code column} equals {@code
   * value} (the file read whole, in order, without its deletes).
   */
  public static List<RowAt> find(Table table, String column, Object value) {
    table.refresh();
    List<RowAt> found = new ArrayList<>();
    Schema schema = table.schema();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        try (CloseableIterable<Record> rows =
            Parquet.read(table.io().newInputFile(task.file().location()))
                .project(schema)
                .createReaderFunc(f -> GenericParquetReaders.buildReader(schema, f))
                .build()) {
          long position = 0;
          for (Record row : rows) {
            if (value.equals(row.getField(column))) {
              found.add(new RowAt(task.file().copy(), position));
            }
            position++;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /** The row at {@code at}, read from its file (whether deleted or not), a copy to change. */
  public static Record rowOf(Table table, RowAt at) {
    Schema schema = table.schema();
    try (CloseableIterable<Record> rows =
        Parquet.read(table.io().newInputFile(at.file().location()))
            .project(schema)
            .createReaderFunc(f -> GenericParquetReaders.buildReader(schema, f))
            .build()) {
      long position = 0;
      for (Record row : rows) {
        if (position++ == at.position()) {
          return row.copy();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalArgumentException("no row " + at.position() + " in " + at.file().location());
  }

  /** Deletes the rows at {@code rows} (all of one data file) with one position delete file. */
  public static Snapshot deletePositions(Table table, List<RowAt> rows) {
    DataFile file = rows.get(0).file();
    PartitionSpec spec = table.specs().get(file.specId());
    GenericFileWriterFactory writers =
        new GenericFileWriterFactory.Builder(table).deleteFileFormat(FileFormat.PARQUET).build();
    PositionDeleteWriter<Record> writer =
        writers.newPositionDeleteWriter(
            outputs(table).newOutputFile(spec, file.partition()), spec, file.partition());
    try (writer) {
      for (RowAt row : rows) {
        if (!row.file().location().equals(file.location())) {
          throw new IllegalArgumentException("rows of several files");
        }
        writer.write(PositionDelete.<Record>create().set(file.location(), row.position()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return commit(table, writer.toDeleteFile());
  }

  /**
   * Deletes every row of {@code partition} (of the table's current spec) whose {@code column}
   * equals one of {@code values}, in data files committed before, with one equality delete file.
   */
  public static Snapshot deleteEqual(
      Table table, StructLike partition, String column, List<Object> values) {
    Schema rowSchema = table.schema().select(column);
    int id = table.schema().findField(column).fieldId();
    GenericFileWriterFactory writers =
        new GenericFileWriterFactory.Builder(table)
            .deleteFileFormat(FileFormat.PARQUET)
            .equalityFieldIds(new int[] {id})
            .equalityDeleteRowSchema(rowSchema)
            .build();
    PartitionSpec spec = table.spec();
    EqualityDeleteWriter<Record> writer =
        writers.newEqualityDeleteWriter(
            outputs(table).newOutputFile(spec, partition), spec, partition);
    try (writer) {
      for (Object value : values) {
        Record row = GenericRecord.create(rowSchema);
        row.setField(column, value);
        writer.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return commit(table, writer.toDeleteFile());
  }

  private static Snapshot commit(Table table, DeleteFile deletes) {
    table.newRowDelta().addDeletes(deletes).commit();
    table.refresh();
    return table.currentSnapshot();
  }

  private static OutputFileFactory outputs(Table table) {
    return OutputFileFactory.builderFor(table, 1, System.nanoTime())
        .format(FileFormat.PARQUET)
        .operationId("other-engine-" + UUID.randomUUID())
        .build();
  }
}
