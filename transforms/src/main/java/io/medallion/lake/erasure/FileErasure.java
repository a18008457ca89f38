package io.medallion.lake.erasure;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.RowDeletes;
import io.medallion.lake.write.ParquetFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;

/**
 * Erases the data subjects' rows from one data file of a table: decides whether the file holds a
 * subject's row (as stored, whether or not a delete file already hides it: the bytes are what must
 * go), and if so writes a replacement file in the same partition folder with every other live row,
 * every column as read (the table's delete files applied: {@link RowDeletes#read}), with Iceberg's
 * Parquet writer under the table's properties, as the lake writes ({@link
 * ParquetFiles#recordWriter}). Also when one of the file's delete files holds a subject's value (an
 * equality delete by {@code user_id}): the delete is applied in the replacement, so the delete file
 * can go with it.
 */
public final class FileErasure {
  private FileErasure() {}

  /**
   * What erasing the subjects from one data file did (or would do, in a dry run).
   *
   * @param location the data file read
   * @param bytesRead its size
   * @param holdsSubjects whether it (or a delete file applied to it) holds a subject's value: it is
   *     replaced
   * @param replacement the replacement's location; null when the file is not replaced, or no row is
   *     left, or in a dry run
   * @param rowsKept the live rows written to the replacement (counted in a dry run too)
   * @param rowsRemoved the subjects' live rows left out
   * @param removedByDate the removed rows by their creation date ({@code 2026-01-02}), when the
   *     table has {@code created_at}
   */
  public record Result(
      String location,
      long bytesRead,
      boolean holdsSubjects,
      String replacement,
      long rowsKept,
      long rowsRemoved,
      Map<String, Long> removedByDate)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public Result {
      removedByDate = new TreeMap<>(removedByDate);
    }
  }

  /**
   * Erases the subjects from {@code task}'s data file.
   *
   * @param table the table, loaded
   * @param task the file with its delete files, as planned
   * @param rows the subjects and the columns that hold them
   * @param deleteFileHoldsSubjects whether a delete file (by location) holds a subject's value
   * @param replacementName the replacement's file name ({@code part-erased-<run>-<n>.parquet})
   * @param dryRun count only; write nothing
   */
  public static Result erase(
      Table table,
      FileScanTask task,
      SubjectRows rows,
      Predicate<String> deleteFileHoldsSubjects,
      String replacementName,
      boolean dryRun) {
    String location = task.file().location();
    long bytes = task.file().fileSizeInBytes();
    boolean holds =
        rows.canHoldSubjects() && storedRowsMatch(table, location, rows)
            || task.deletes().stream().map(DeleteFile::location).anyMatch(deleteFileHoldsSubjects);
    if (!holds) {
      return new Result(location, bytes, false, null, 0, 0, Map.of());
    }
    Schema schema = table.schema();
    String target = replacementLocation(table, task, replacementName);
    long kept = 0;
    long removed = 0;
    Map<String, Long> byDate = new TreeMap<>();
    boolean createdAt = schema.findField("created_at") != null;
    FileAppender<Record> writer = null;
    try (CloseableIterable<Record> live = RowDeletes.read(table, task, schema)) {
      for (Record row : live) {
        if (rows.matches(row)) {
          removed++;
          if (createdAt && row.getField("created_at") != null) {
            byDate.merge(creationDate(row.getField("created_at")), 1L, Long::sum);
          }
          continue;
        }
        kept++;
        if (dryRun) {
          continue;
        }
        if (writer == null) {
          writer = ParquetFiles.recordWriter(target, schema, table.properties());
        }
        writer.add(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot erase subjects from " + location, e);
    } finally {
      if (writer != null) {
        try {
          writer.close();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot finish " + target, e);
        }
      }
    }
    return new Result(location, bytes, true, writer == null ? null : target, kept, removed, byDate);
  }

  /**
   * Whether any row stored in the file, deleted or not, is a subject's (its columns alone read).
   */
  static boolean storedRowsMatch(Table table, String location, SubjectRows rows) {
    Schema projection = rows.projection();
    try (CloseableIterable<Record> stored = RowDeletes.stored(table, location, projection)) {
      for (Record row : stored) {
        if (rows.matches(row)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + location, e);
    }
  }

  private static String creationDate(Object createdAt) {
    if (createdAt instanceof java.time.OffsetDateTime time) {
      return LakeLayout.dateOf(time.toInstant()).toString();
    }
    if (createdAt instanceof Instant instant) {
      return LakeLayout.dateOf(instant).toString();
    }
    if (createdAt instanceof LocalDate date) {
      return date.toString();
    }
    throw new IllegalStateException("created_at is not a timestamp: " + createdAt.getClass());
  }

  /** {@code <data location>/<partition path>/<name>}: beside the file it replaces. */
  static String replacementLocation(Table table, FileScanTask task, String name) {
    PartitionSpec spec = table.specs().get(task.file().specId());
    String data = table.properties().get(TableProperties.WRITE_DATA_LOCATION);
    String root = data != null ? strip(data) : strip(table.location()) + "/data";
    return spec.isUnpartitioned()
        ? root + "/" + name
        : root + "/" + spec.partitionToPath(task.file().partition()) + "/" + name;
  }

  private static String strip(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
