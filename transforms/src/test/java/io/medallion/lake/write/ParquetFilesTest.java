package io.medallion.lake.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.DuckDb;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.Files;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetFilesTest {
  private static final Schema SCHEMA = LakeTable.GOLD_EVENTS.schema();

  @TempDir Path dir;

  private static GenericRecord row(String uuid, long micros) {
    GenericData.Record row = new GenericData.Record(LakeTable.GOLD_EVENTS.avroSchema());
    row.put("event_uuid", uuid);
    row.put("event_name", "quiz:viewed");
    row.put("event_type", "quiz");
    row.put("event_subtype", "viewed");
    row.put("created_at", micros);
    row.put("created_datetime", "2026-03-01T00:00:00Z");
    row.put("payload", "{}");
    row.put("date", (int) LocalDate.parse("2026-03-01").toEpochDay());
    return row;
  }

  @Test
  void writesALocalFileInFoldersNotThereYetAndReadsTheMetricsIcebergReads() throws IOException {
    Path file = dir.resolve("data/event_type=quiz/date=2026-03-01/part-r-00000-of-00001.parquet");
    Map<String, String> properties = LakeTable.GOLD_EVENTS.properties();
    try (FileAppender<GenericRecord> out =
        ParquetFiles.writer(file.toString(), SCHEMA, properties)) {
      out.add(row("b", 2_000_000L));
      out.add(row("a", 1_000_000L));
    }

    MetricsConfig config = MetricsConfig.from(properties, SCHEMA, null);
    Metrics ours = ParquetFiles.metrics(Files.localInput(file.toFile()), config);
    Metrics iceberg = ParquetUtil.fileMetrics(Files.localInput(file.toFile()), config);

    assertThat(ours.recordCount()).isEqualTo(2L).isEqualTo(iceberg.recordCount());
    assertThat(ours.valueCounts()).isEqualTo(iceberg.valueCounts());
    assertThat(ours.nullValueCounts()).isEqualTo(iceberg.nullValueCounts());
    assertThat(ours.lowerBounds()).isEqualTo(iceberg.lowerBounds());
    assertThat(ours.upperBounds()).isEqualTo(iceberg.upperBounds());
    assertThat(ours.columnSizes()).isEqualTo(iceberg.columnSizes());
    assertThat(
            DuckDb.rows("SELECT event_uuid FROM read_parquet('" + file + "') ORDER BY 1").stream()
                .map(r -> r.get(0))
                .toList())
        .containsExactly("a", "b");
    assertThat(file.resolveSibling(".part-r-00000-of-00001.parquet.crc")).doesNotExist();
  }

  @Test
  void aRetriedWriteReplacesTheFile() throws IOException {
    Path file = dir.resolve("part.parquet");
    for (int rows = 3; rows >= 1; rows--) {
      try (FileAppender<GenericRecord> out =
          ParquetFiles.writer(file.toString(), SCHEMA, LakeTable.GOLD_EVENTS.properties())) {
        for (int i = 0; i < rows; i++) {
          out.add(row("u" + i, i));
        }
      }
    }
    assertThat(DuckDb.count("SELECT count(*) FROM read_parquet('" + file + "')")).isEqualTo(1);
  }

  @Test
  void aTypedTableKeepsTheDictionaryOfFewValuesAndGivesItUpForManyEarly() throws IOException {
    // Columns the data brought: a platform (three values) and a learner id (10,000 values, each
    // three times in a row, so that Parquet's own test after the first page would keep it).
    Schema schema =
        TypeUtil.join(
            TableFamily.TYPED_EVENTS.columns(),
            new Schema(
                Types.NestedField.optional(100, "platform", Types.StringType.get()),
                Types.NestedField.optional(101, "user_id", Types.StringType.get())));
    LakeTable member = TableFamily.TYPED_EVENTS.member("gold_evt_quiz_viewed", schema);
    org.apache.avro.Schema avro = LakeTable.avroSchema(member, schema);
    String[] platforms = {"ios", "android", "web"};
    for (boolean bounded : new boolean[] {true, false}) {
      Map<String, String> properties = new HashMap<>(member.properties());
      if (!bounded) {
        properties.remove(TableProperties.PARQUET_DICT_SIZE_BYTES);
      }
      Path file = dir.resolve("typed-" + bounded + ".parquet");
      try (FileAppender<GenericRecord> out =
          ParquetFiles.writer(file.toString(), schema, properties)) {
        for (int i = 0; i < 30_000; i++) {
          GenericData.Record row = new GenericData.Record(avro);
          row.put("event_uuid", "uuid-" + i);
          row.put("event_name", "quiz:viewed");
          row.put("created_at", 1_000_000L * i);
          row.put("created_datetime", "2026-03-01T00:00:00Z");
          row.put("date", (int) LocalDate.parse("2026-03-01").toEpochDay());
          row.put("platform", platforms[i % 3]);
          row.put("user_id", String.format(Locale.ROOT, "user-%05d", i / 3));
          out.add(row);
        }
      }
      Map<String, String> encodings = new TreeMap<>();
      for (List<Object> column :
          DuckDb.rows(
              "SELECT path_in_schema, list_aggregate(list(encodings), 'string_agg', ',') FROM"
                  + " parquet_metadata('"
                  + file
                  + "') GROUP BY 1")) {
        encodings.put((String) column.get(0), (String) column.get(1));
      }
      assertThat(encodings.get("platform")).as("bounded " + bounded).contains("DICTIONARY");
      if (bounded) {
        assertThat(member.properties())
            .containsEntry(
                TableProperties.PARQUET_DICT_SIZE_BYTES,
                Integer.toString(TableFamily.MEMBER_DICTIONARY_BYTES));
        assertThat(encodings.get("user_id")).doesNotContain("DICTIONARY");
      } else {
        assertThat(encodings.get("user_id")).contains("DICTIONARY");
      }
      assertThat(DuckDb.count("SELECT count(DISTINCT user_id) FROM read_parquet('" + file + "')"))
          .isEqualTo(10_000);
    }
  }
}
