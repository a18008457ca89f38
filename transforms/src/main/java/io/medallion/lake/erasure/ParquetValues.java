package io.medallion.lake.erasure;

import io.medallion.lake.write.ParquetFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.parquet.schema.MessageType;

/**
 * Every text value of any Parquet file, whatever table or writer it came from (a data file of an
 * old schema, a delete file, a file no snapshot references): the file's own columns are read, every
 * string (and UTF-8 binary) value at any depth tested. What an erasure uses where it cannot know a
 * file's columns in advance.
 */
public final class ParquetValues {
  private ParquetValues() {}

  /** Whether {@code test} holds for a text value of {@code file} (a Parquet file). */
  public static boolean anyText(InputFile file, Predicate<String> test) {
    MessageType type = ParquetFiles.schema(file);
    boolean ids = ParquetSchemaUtil.hasIds(type);
    Schema schema =
        ids
            ? ParquetSchemaUtil.convert(type)
            : ParquetSchemaUtil.convert(ParquetSchemaUtil.addFallbackIds(type));
    Parquet.ReadBuilder read =
        Parquet.read(file)
            .project(schema)
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema));
    if (!ids) {
      read.withNameMapping(MappingUtil.create(schema));
    }
    try (CloseableIterable<Record> rows = read.build()) {
      for (Record row : rows) {
        if (holds(row, test)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file.location(), e);
    }
  }

  /**
   * Whether {@code test} holds for a data subject's value in a text of {@code file}: the value
   * itself, or a JSON object holding it at the top level under the request's field.
   */
  public static boolean holdsSubjects(InputFile file, Subjects subjects) {
    return anyText(file, text -> subjects.matchesValue(text) || subjects.matchesObject(text));
  }

  private static boolean holds(Object value, Predicate<String> test) {
    if (value == null) {
      return false;
    }
    if (value instanceof CharSequence text) {
      return test.test(text.toString());
    }
    if (value instanceof ByteBuffer bytes) {
      return test.test(StandardCharsets.UTF_8.decode(bytes.duplicate()).toString());
    }
    if (value instanceof byte[] bytes) {
      return test.test(new String(bytes, StandardCharsets.UTF_8));
    }
    if (value instanceof Record record) {
      for (int i = 0; i < record.size(); i++) {
        if (holds(record.get(i, Object.class), test)) {
          return true;
        }
      }
      return false;
    }
    if (value instanceof List<?> list) {
      return list.stream().anyMatch(v -> holds(v, test));
    }
    if (value instanceof Map<?, ?> map) {
      return map.entrySet().stream()
          .anyMatch(e -> holds(e.getKey(), test) || holds(e.getValue(), test));
    }
    return false;
  }
}
