package io.medallion.lake.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.write.IcebergParquetSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.Files;
import org.apache.iceberg.Schema;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TypedRowsTest {
  private static final long CREATED = 1_772_323_200_000_000L; // 2026-03-01T00:00:00Z

  /** A typed table's columns: the common ones, then payload columns, one declared as an int. */
  private static final Schema SCHEMA = schema();

  @TempDir Path dir;

  private static Schema schema() {
    List<NestedField> columns = new ArrayList<>(TableFamily.TYPED_EVENTS.columns().columns());
    int id = 100;
    columns.add(payload(id++, "score", "score", Types.LongType.get()));
    columns.add(payload(id++, "ratio", "ratio", Types.DoubleType.get()));
    columns.add(payload(id++, "ok", "ok", Types.BooleanType.get()));
    columns.add(payload(id++, "name", "Name", Types.StringType.get()));
    columns.add(
        payload(
            id++,
            "ctx",
            "ctx",
            Types.StructType.of(
                payload(id++, "screen", "screen", Types.StringType.get()),
                payload(id++, "n", "n", Types.LongType.get()))));
    columns.add(
        payload(id++, "tags", "tags", Types.ListType.ofOptional(id++, Types.StringType.get())));
    columns.add(
        payload(
            id++,
            "items",
            "items",
            Types.ListType.ofOptional(
                id++, Types.StructType.of(payload(id++, "id", "id", Types.LongType.get())))));
    columns.add(NestedField.optional(id, "small", Types.IntegerType.get()));
    return new Schema(columns);
  }

  private static NestedField payload(
      int id, String column, String member, org.apache.iceberg.types.Type type) {
    return NestedField.optional(id, column, type, ColumnNames.doc(member).orElseThrow());
  }

  private static GenericRecord gold(String uuid, String payload) {
    GenericData.Record row = new GenericData.Record(LakeTable.GOLD_EVENTS.avroSchema());
    row.put("event_uuid", uuid);
    row.put("event_name", "quiz:completed");
    row.put("event_type", "quiz");
    row.put("event_subtype", "completed");
    row.put("created_at", CREATED);
    row.put("created_datetime", "2026-03-01T00:00:00Z");
    row.put("payload", payload);
    row.put("date", (int) LocalDate.parse("2026-03-01").toEpochDay());
    return row;
  }

  private final List<String> rescues = new ArrayList<>();

  private GenericRecord typed(TypedRows rows, String uuid, String payload) {
    return rows.of(gold(uuid, payload), (path, limit) -> rescues.add(path + (limit ? "!" : "")));
  }

  @Test
  void valuesThatFitTheirColumnsAreTyped() {
    TypedRows rows = new TypedRows(SCHEMA, Set.of());

    GenericRecord row =
        typed(
            rows,
            "u1",
            "{\"score\":85,\"ratio\":0.5,\"ok\":true,\"Name\":\"Ann \\\"A\\\"\",\"ctx\":{\"screen\":"
                + "\"s1\",\"n\":3},\"tags\":[\"a\",null],\"items\":[{\"id\":1},{}],\"small\":7,"
                + "\"nothing\":null,\"ctx2\":null}");

    assertThat(row.get("event_uuid")).hasToString("u1");
    assertThat(row.get("event_name")).hasToString("quiz:completed");
    assertThat(row.get("created_at")).isEqualTo(CREATED);
    assertThat(row.get("date")).isEqualTo(20513);
    assertThat(row.get("score")).isEqualTo(85L);
    assertThat(row.get("ratio")).isEqualTo(0.5);
    assertThat(row.get("ok")).isEqualTo(true);
    assertThat(row.get("name")).isEqualTo("Ann \"A\"");
    assertThat(((GenericRecord) row.get("ctx")).get("screen")).hasToString("s1");
    assertThat(((GenericRecord) row.get("ctx")).get("n")).isEqualTo(3L);
    assertThat(texts(row.get("tags"))).isEqualTo(Arrays.asList("a", null));
    List<?> items = (List<?>) row.get("items");
    assertThat(((GenericRecord) items.get(0)).get("id")).isEqualTo(1L);
    assertThat(((GenericRecord) items.get(1)).get("id")).isNull();
    assertThat(row.get("small")).isEqualTo(7);
    assertThat(row.get("_rescued")).isNull();
    assertThat(rescues).isEmpty();
  }

  @Test
  void aDoubleHoldsNumbersWithAFractionOrExponentAndIntegersItHoldsExactly() {
    TypedRows rows = new TypedRows(SCHEMA, Set.of());
    assertThat(typed(rows, "u", "{\"ratio\":1E+2}").get("ratio")).isEqualTo(100.0);
    assertThat(typed(rows, "u", "{\"ratio\":-7}").get("ratio")).isEqualTo(-7.0);
    assertThat(typed(rows, "u", "{\"ratio\":9007199254740992}").get("ratio"))
        .isEqualTo(9007199254740992.0);
    assertThat(typed(rows, "u", "{\"ratio\":9007199254740993}").get("_rescued"))
        .isEqualTo("{\"ratio\":9007199254740993}");
    assertThat(typed(rows, "u", "{\"score\":5.0}").get("_rescued")).isEqualTo("{\"score\":5.0}");
    assertThat(typed(rows, "u", "{\"score\":-9223372036854775808}").get("score"))
        .isEqualTo(Long.MIN_VALUE);
    assertThat(typed(rows, "u", "{\"score\":9223372036854775808}").get("_rescued"))
        .isEqualTo("{\"score\":9223372036854775808}");
    assertThat(rescues).containsExactly("ratio", "score", "score");
  }

  @Test
  void valuesThatDoNotFitAreRescuedAsWrittenUnderTheirNames() {
    TypedRows rows = new TypedRows(SCHEMA, Set.of(List.of("limited")));

    GenericRecord row =
        typed(
            rows,
            "u2",
            "{\"score\":\"85\",\"ratio\":1e400,\"ok\":1,\"ctx\":{\"screen\":5,\"n\":2,"
                + "\"extra\":{\"a\":1},\"gone\":null},\"tags\":[\"a\",1],\"items\":[{\"id\":1,"
                + "\"zzz\":2}],\"small\":2147483648,\"limited\":[1],\"unknown\":{},"
                + "\"big\":123456789012345678901234567890,\"caf\\u00e9\":\"x\",\"Name\":\"B\"}");

    assertThat(row.get("_rescued"))
        .isEqualTo(
            "{\"score\":\"85\",\"ratio\":1e400,\"ok\":1,\"ctx\":{\"screen\":5,\"extra\":{\"a\":1}},"
                + "\"tags\":[\"a\",1],\"items\":[{\"id\":1,\"zzz\":2}],\"small\":2147483648,"
                + "\"limited\":[1],\"unknown\":{},\"big\":123456789012345678901234567890,"
                + "\"café\":\"x\"}");
    assertThat(rescues)
        .containsExactly(
            "score",
            "ratio",
            "ok",
            "ctx.screen",
            "ctx.extra",
            "tags",
            "items",
            "small",
            "limited!",
            "unknown",
            "big",
            "café");
    assertThat(row.get("name")).hasToString("B");
    assertThat(((GenericRecord) row.get("ctx")).get("n")).isEqualTo(2L);
    assertThat(((GenericRecord) row.get("ctx")).get("screen")).isNull();
    for (String column : List.of("score", "ratio", "ok", "tags", "items", "small")) {
      assertThat(row.get(column)).as(column).isNull();
    }
  }

  @Test
  void stringsAreTheTextTheyWriteWithOrWithoutEscapes() {
    TypedRows rows = new TypedRows(SCHEMA, Set.of());

    GenericRecord row =
        typed(
            rows,
            "u1",
            "{\"Name\":\"café ☕ 😀\",\"ctx\":{\"screen\":\"a\\u00e9\\n\\\\\"},"
                + "\"tags\":[\"x\\\"y\",\"ü\",\"\"]}");

    assertThat(row.get("name")).hasToString("café ☕ 😀");
    assertThat(((GenericRecord) row.get("ctx")).get("screen")).hasToString("aé\n\\");
    assertThat(texts(row.get("tags"))).containsExactly("x\"y", "ü", "");
    assertThat(row.get("_rescued")).isNull();
    assertThat(rescues).isEmpty();
  }

  /** The elements of a list column as text. */
  private static List<String> texts(Object list) {
    return ((List<?>) list).stream().map(v -> v == null ? null : v.toString()).toList();
  }

  @Test
  void aPayloadThatIsNoJsonObjectFailsNamingTheEvent() {
    TypedRows rows = new TypedRows(SCHEMA, Set.of());
    assertThatThrownBy(() -> typed(rows, "u9", "{\"a\":"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("event u9: not a JSON payload");
  }

  @Test
  void typedRowsAreParquetAnIndependentReaderReadsWithTheirTypes() throws IOException {
    TypedRows rows = new TypedRows(SCHEMA, Set.of());
    Path file = dir.resolve("typed.parquet");
    try (FileAppender<GenericRecord> out =
        IcebergParquetSink.writer(
            Files.localOutput(file.toFile()),
            SCHEMA,
            Map.of("write.parquet.compression-codec", "snappy"))) {
      out.add(
          typed(
              rows,
              "u1",
              "{\"score\":85,\"ratio\":0.5,\"ok\":true,\"ctx\":{\"screen\":\"s1\"},"
                  + "\"tags\":[\"a\"],\"items\":[{\"id\":1}],\"small\":7}"));
      out.add(typed(rows, "u2", "{\"score\":\"85\"}"));
    }
    String parquet = "read_parquet('" + file + "')";

    assertThat(DuckDb.columnTypes("SELECT * FROM " + parquet))
        .containsEntry("score", "BIGINT")
        .containsEntry("ratio", "DOUBLE")
        .containsEntry("ok", "BOOLEAN")
        .containsEntry("name", "VARCHAR")
        .containsEntry("ctx", "STRUCT(screen VARCHAR, n BIGINT)")
        .containsEntry("tags", "VARCHAR[]")
        .containsEntry("items", "STRUCT(id BIGINT)[]")
        .containsEntry("small", "INTEGER")
        .containsEntry("_rescued", "VARCHAR");
    assertThat(
            DuckDb.rows(
                "SELECT event_uuid, score, ratio, ctx.screen, tags[1], items[1].id, small,"
                    + " _rescued FROM "
                    + parquet
                    + " ORDER BY 1"))
        .containsExactly(
            Arrays.asList("u1", 85L, 0.5, "s1", "a", 1L, 7, null),
            Arrays.asList("u2", null, null, null, null, null, null, "{\"score\":\"85\"}"));
    assertThat(
            DuckDb.rows(
                "SELECT name, field_id FROM parquet_schema('"
                    + file
                    + "') WHERE name IN ('score', 'ctx', 'screen') ORDER BY field_id"))
        .containsExactly(List.of("score", 100L), List.of("ctx", 104L), List.of("screen", 105L));
  }
}
