package io.medallion.lake.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.generic.GenericData;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.DeleteFilter;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.deletes.PositionDeleteIndex;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.TypeUtil;

/**
 * Reads a lake table's data file with its row-level deletes applied: the position and equality
 * delete files (Iceberg format v2) and deletion vectors (v3) that another engine wrote (Athena's
 * {@code DELETE}/{@code UPDATE}/{@code MERGE}, Spark's with {@code write.delete.mode=
 * merge-on-read}, Flink's upserts). The lake's own commits replace whole files and write none.
 *
 * <p>Which delete files apply to a data file is Iceberg's scan planning's answer ({@link
 * FileScanTask#deletes()}): a position delete names the file and a row position (0-based, in file
 * order) and applies to data files of a lower or equal data sequence number; an equality delete
 * holds column values and applies to the rows holding them in data files of its partition (or of
 * every partition, when unpartitioned) with a strictly lower data sequence number, so a row written
 * after the delete is not deleted by it. The deletes themselves are read and matched by Iceberg's
 * own {@link DeleteFilter} (iceberg-data), as Iceberg's generic reader does.
 *
 * <p>Two ways in:
 *
 * <ul>
 *   <li>{@link #read}: the file's rows as Iceberg generic {@link Record}s, deletes applied: for any
 *       reader of table files (maintenance's compaction, an erasure).
 *   <li>{@link #avroFilter}: a predicate on the Avro rows of a reader that reads the whole file in
 *       order itself (gold's read of silver), so it keeps its own row representation.
 * </ul>
 */
public final class RowDeletes {
  private RowDeletes() {}

  /**
   * The rows of {@code task}'s data file with {@code task}'s deletes applied, as generic records of
   * {@code projection} (by field id; a column the file lacks reads as null). A file without deletes
   * is read as it is.
   *
   * @param table the table the task was planned from (its FileIO, schema and name mapping)
   * @param projection columns of {@code table}'s schema
   * @throws IllegalArgumentException for a data file that is not Parquet
   */
  public static CloseableIterable<Record> read(Table table, FileScanTask task, Schema projection) {
    if (task.file().format() != FileFormat.PARQUET) {
      throw new IllegalArgumentException(
          "cannot read a " + task.file().format() + " data file: " + task.file().location());
    }
    if (task.deletes().isEmpty()) {
      return open(table, task, projection);
    }
    DeleteFilter<Record> deletes =
        new GenericDeleteFilter(table.io(), task, table.schema(), projection);
    Schema required = deletes.requiredSchema();
    CloseableIterable<Record> live = deletes.filter(open(table, task, required));
    if (required.sameSchema(projection)) {
      return live;
    }
    // The filter needed more columns (_pos, an equality column not projected): drop them.
    return CloseableIterable.transform(live, row -> project(row, projection));
  }

  /**
   * The rows {@code snapshot} of {@code table} holds, deleted rows not counted: the summary's
   * {@code total-records} when the snapshot has no delete files, else each data file's record
   * count, or, for a file with deletes, its rows read with the deletes applied.
   */
  public static long liveRows(Table table, Snapshot snapshot) {
    Map<String, String> summary = snapshot.summary();
    String records = summary.get(SnapshotSummary.TOTAL_RECORDS_PROP);
    if (records != null && "0".equals(summary.get(SnapshotSummary.TOTAL_DELETE_FILES_PROP))) {
      return Long.parseLong(records);
    }
    long rows = 0;
    try (CloseableIterable<FileScanTask> tasks =
        table.newScan().useSnapshot(snapshot.snapshotId()).planFiles()) {
      for (FileScanTask task : tasks) {
        rows += liveRows(table, task);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /**
   * The rows of {@code task}'s data file that its deletes leave: its record count when it has none,
   * else the rows read with them applied (only the first column and what the deletes need).
   */
  public static long liveRows(Table table, FileScanTask task) {
    if (task.deletes().isEmpty()) {
      return task.file().recordCount();
    }
    Schema first = new Schema(table.schema().columns().get(0));
    long rows = 0;
    try (CloseableIterable<Record> live = read(table, task, first)) {
      for (Record ignored : live) {
        rows++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static CloseableIterable<Record> open(Table table, FileScanTask task, Schema schema) {
    return stored(table, task.file().location(), schema);
  }

  /**
   * Every row stored in {@code table}'s Parquet data file at {@code location}, deleted or not, as
   * generic records of {@code schema} (columns of the table's schema, by field id; the table's name
   * mapping applied): what a file holds, as an erasure must judge it.
   */
  public static CloseableIterable<Record> stored(Table table, String location, Schema schema) {
    Parquet.ReadBuilder read =
        Parquet.read(table.io().newInputFile(location))
            .project(schema)
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema));
    String nameMapping = table.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
    if (nameMapping != null) {
      read.withNameMapping(NameMappingParser.fromJson(nameMapping));
    }
    return read.build();
  }

  private static Record project(Record row, Schema projection) {
    Record out = GenericRecord.create(projection);
    for (int i = 0; i < projection.columns().size(); i++) {
      out.set(i, row.get(i));
    }
    return out;
  }

  /**
   * A filter of the Avro rows of one data file, read whole and in file order by the caller (no
   * row-group skipping, so that the n-th row read is at position n), each row of {@code
   * rowSchema}'s columns in that order (as {@code ParquetAvroValueReaders} builds them: timestamps
   * as microseconds, strings as {@code Utf8}).
   *
   * @param dataFile the data file's location, as the table's metadata spells it
   * @param deletes the delete files Iceberg's planning attached to it ({@link
   *     FileScanTask#deletes()}); not empty
   * @param tableSchema the table's schema, for equality columns
   * @param rowSchema the columns of the rows the caller reads
   * @throws IllegalStateException if an equality delete is on a column {@code rowSchema} lacks
   */
  public static AvroFilter avroFilter(
      FileIO io, String dataFile, List<DeleteFile> deletes, Schema tableSchema, Schema rowSchema) {
    AvroDeleteFilter filter = new AvroDeleteFilter(io, dataFile, deletes, tableSchema, rowSchema);
    Schema required =
        TypeUtil.selectNot(filter.requiredSchema(), MetadataColumns.metadataFieldIds());
    if (!required.sameSchema(rowSchema)) {
      throw new IllegalStateException(
          dataFile
              + " has equality deletes on columns the reader does not read: "
              + TypeUtil.selectNot(required, TypeUtil.getProjectedIds(rowSchema)).columns());
    }
    return new AvroFilter(
        filter.hasPosDeletes() ? filter.deletedRowPositions() : PositionDeleteIndex.empty(),
        filter.eqDeletedRowFilter());
  }

  /** Whether a row of one data file survives its deletes: {@link #live}. */
  public static final class AvroFilter {
    private final PositionDeleteIndex positions;
    private final Predicate<GenericData.Record> notEqualityDeleted;

    private AvroFilter(
        PositionDeleteIndex positions, Predicate<GenericData.Record> notEqualityDeleted) {
      this.positions = positions;
      this.notEqualityDeleted = notEqualityDeleted;
    }

    /**
     * True when {@code row}, the {@code position}-th row of the file (0-based), is neither deleted
     * by position nor by an equality delete.
     */
    public boolean live(long position, GenericData.Record row) {
      return !positions.isDeleted(position) && notEqualityDeleted.test(row);
    }
  }

  /** Iceberg's delete filter over Avro rows, each seen as a {@link StructLike} by position. */
  private static final class AvroDeleteFilter extends DeleteFilter<GenericData.Record> {
    private final FileIO io;

    AvroDeleteFilter(
        FileIO io,
        String dataFile,
        List<DeleteFile> deletes,
        Schema tableSchema,
        Schema rowSchema) {
      super(dataFile, deletes, tableSchema, rowSchema);
      this.io = io;
    }

    @Override
    protected StructLike asStructLike(GenericData.Record row) {
      return new AvroStruct(row);
    }

    @Override
    protected InputFile getInputFile(String location) {
      return io.newInputFile(location);
    }
  }

  /** An Avro row as a {@link StructLike}, read only. */
  private record AvroStruct(GenericData.Record row) implements StructLike {
    @Override
    public int size() {
      return row.getSchema().getFields().size();
    }

    @Override
    public <T> T get(int pos, Class<T> javaClass) {
      return javaClass.cast(row.get(pos));
    }

    @Override
    public <T> void set(int pos, T value) {
      throw new UnsupportedOperationException("read only");
    }
  }
}
