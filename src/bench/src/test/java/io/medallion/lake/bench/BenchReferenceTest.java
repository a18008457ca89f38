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

/** The lean reference's gold: the silver rows it holds, and how many passes memory allows. */
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
    List<BenchReference.SilverRow> rows = read(silverFile(dir, 3), new BenchReference.Bucket(0, 1));

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

  /** A pass holds the rows of its bucket only; the other rows come back empty, nothing copied. */
  @Test
  void aPassHoldsTheRowsOfItsBucketAndEveryRowIsInOneBucket(@TempDir Path dir) throws Exception {
    Path file = silverFile(dir, 50);
    List<String> seen = new ArrayList<>();
    for (int pass = 0; pass < 3; pass++) {
      BenchReference.Bucket bucket = new BenchReference.Bucket(pass, 3);
      for (BenchReference.SilverRow row : read(file, bucket)) {
        if (row.uuid == null) {
          assertThat(row.payload).isNull();
          assertThat(row.createdAt).isZero();
          continue;
        }
        assertThat(Math.floorMod(row.uuid.hashCode(), 3)).isEqualTo(pass);
        assertThat(row.payload.toStringUsingUTF8()).startsWith("{\"lesson_id\":");
        seen.add(row.uuid.toStringUsingUTF8());
      }
    }
    assertThat(seen).hasSize(50).doesNotHaveDuplicates();
  }

  /**
   * The passes follow the rows held: 10.5M silver rows of about 300 decoded bytes each (the bench's
   * 10M events) in a 4 GB heap take six; a million fit in one.
   */
  @Test
  void passesAreSizedFromTheRowsAndTheirDecodedBytes() {
    long heap = 4L << 30;
    assertThat(BenchReference.passes(10_500_000, 10_500_000L * 300, heap)).isEqualTo(6);
    assertThat(BenchReference.passes(1_000_000, 1_000_000L * 300, heap)).isEqualTo(1);
    assertThat(BenchReference.passes(0, 0, heap)).isEqualTo(1);
  }

  private static Path silverFile(Path dir, int rows) throws Exception {
    Path file = dir.resolve("silver.parquet");
    try (ParquetWriter<Object[]> w = BenchReference.writer(file, BenchReference.SILVER)) {
      for (int i = 0; i < rows; i++) {
        w.write(
            new Object[] {
              Binary.fromString(String.format("%08d-0000-4000-8000-000000000000", i)),
              Binary.fromString("lesson:started"),
              Binary.fromString("lesson"),
              Binary.fromString("started"),
              1_767_225_600_000_000L + i,
              Binary.fromString("2026-01-01 00:00:00." + i),
              Binary.fromString("{\"lesson_id\":" + i + "}")
            });
      }
    }
    return file;
  }

  private static List<BenchReference.SilverRow> read(Path file, BenchReference.Bucket bucket)
      throws Exception {
    List<BenchReference.SilverRow> rows = new ArrayList<>();
    try (ParquetReader<BenchReference.SilverRow> reader =
        new BenchReference.SilverReader(file, bucket).build()) {
      BenchReference.SilverRow row;
      while ((row = reader.read()) != null) {
        rows.add(row);
      }
    }
    return rows;
  }
}
