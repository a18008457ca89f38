package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lean reference's silver reader hands gold rows that threads can share. */
class BenchReferenceTest {

  /**
   * Gold writes the kept rows on several threads, and each Parquet writer reads its values' bytes
   * for the column statistics. A value still backed by the page it was read from shares that page's
   * {@link ByteBuffer}, whose position {@link Binary#getBytes()} moves: two threads on one page
   * made the reference's gold fail now and then ("newPosition < 0" as a writer closed). Every value
   * of a read row must own its bytes.
   */
  @Test
  void everyValueOfARowReadFromSilverOwnsItsBytes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("silver.parquet");
    try (ParquetWriter<Object[]> w = BenchReference.writer(file, BenchReference.SILVER)) {
      for (int i = 0; i < 3; i++) {
        w.write(
            new Object[] {
              Binary.fromString("0000000" + i + "-0000-4000-8000-000000000000"),
              Binary.fromString("lesson:started"),
              Binary.fromString("lesson"),
              Binary.fromString("started"),
              1_767_225_600_000_000L + i,
              Binary.fromString("2026-01-01 00:00:0" + i),
              Binary.fromString("{\"lesson_id\":" + i + "}")
            });
      }
    }

    List<BenchReference.SilverRow> rows = new ArrayList<>();
    try (ParquetReader<BenchReference.SilverRow> reader =
        new BenchReference.SilverReader(file).build()) {
      BenchReference.SilverRow row;
      while ((row = reader.read()) != null) {
        rows.add(row);
      }
    }

    assertThat(rows).hasSize(3);
    for (BenchReference.SilverRow row : rows) {
      Map<String, Binary> values =
          Map.of(
              "event_uuid", row.uuid,
              "event_name", row.name,
              "event_type", row.type,
              "event_subtype", row.subtype,
              "created_datetime", row.datetime,
              "payload", row.payload);
      values.forEach(
          (column, value) -> {
            ByteBuffer bytes = value.toByteBuffer();
            assertThat(bytes.hasArray() && bytes.array().length == value.length())
                .as("%s %s owns its bytes", column, value.toStringUsingUTF8())
                .isTrue();
          });
    }
    assertThat(rows.get(2).payload.toStringUsingUTF8()).isEqualTo("{\"lesson_id\":2}");
  }
}
