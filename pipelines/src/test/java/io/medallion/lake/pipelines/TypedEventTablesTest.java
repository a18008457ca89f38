package io.medallion.lake.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.events.DeduplicateEvents;
import io.medallion.lake.events.ReadSilverEvents;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.table.SnapshotViews;
import io.medallion.lake.table.TableFamily;
import io.medallion.lake.testing.DuckDb;
import io.medallion.lake.testing.LakeTables;
import io.medallion.lake.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Typed event tables end to end (issue 20): two days promoted by two gold runs, where {@code
 * quiz:completed} gains a member on day two ({@code attempts}) and a member changes type ({@code
 * score}, a number on day one, a quoted number on day two). Read back with DuckDB over each
 * snapshot's files (the views {@code lake query} makes) and with Iceberg's own reader; every member
 * of every payload accounted for against {@code gold_events}' raw payload.
 */
class TypedEventTablesTest {
  private static final Instant DAY1 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant DAY2 = Instant.parse("2026-03-02T10:00:00Z");
  private static final TableFamily TYPED = TableFamily.TYPED_EVENTS;
  private static final LakeTable QUIZ = TYPED.member("gold_evt_quiz_completed");
  private static final LakeTable LESSON = TYPED.member("gold_evt_lesson_started");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final List<String> DAY1_EVENTS =
      List.of(
          "{\"event_uuid\":\"q1\",\"event_name\":\"quiz:completed\",\"created_at\":1772359200,"
              + "\"score\":85,\"tags\":[\"a\",\"b\"],\"context\":{\"screen\":\"s1\"},\"ok\":true,"
              + "\"note\":null}",
          "{\"event_uuid\":\"q2\",\"event_name\":\"quiz:completed\",\"created_at\":1772359201,"
              + "\"score\":92,\"context\":{\"screen\":\"s2\",\"ab\":\"x\"},\"Score\":1}",
          "{\"event_uuid\":\"q3\",\"event_name\":\"Quiz:Completed\",\"created_at\":1772359202,"
              + "\"score\":70}",
          "{\"event_uuid\":\"l1\",\"event_name\":\"lesson:started\",\"created_at\":1772359203,"
              + "\"lesson_id\":7}",
          "{\"event_uuid\":\"q1\",\"event_name\":\"quiz:completed\",\"created_at\":1772359200,"
              + "\"score\":85,\"tags\":[\"a\",\"b\"],\"context\":{\"screen\":\"s1\"},\"ok\":true,"
              + "\"note\":null}",
          "{\"event_uuid\":\"e1\",\"event_name\":\"事件:开始\",\"created_at\":1772359204,\"x\":1}");

  private static final List<String> DAY2_EVENTS =
      List.of(
          "{\"event_uuid\":\"q4\",\"event_name\":\"quiz:completed\",\"created_at\":1772445600,"
              + "\"score\":\"85\",\"attempts\":2,\"context\":{\"screen\":5}}",
          "{\"event_uuid\":\"q5\",\"event_name\":\"quiz:completed\",\"created_at\":1772445601,"
              + "\"score\":77,\"attempts\":3}",
          "{\"event_uuid\":\"l2\",\"event_name\":\"lesson:started\",\"created_at\":1772445602,"
              + "\"lesson_id\":8,\"extra\":[]}");

  @TempDir Path lake;

  private void promote(Instant hour, List<String> events, String run) throws IOException {
    promote(hour, events, run, GoldEvents.TYPED_COLUMN_LIMIT);
  }

  private void promote(Instant hour, List<String> events, String run, int columnLimit)
      throws IOException {
    promote(hour, events, run, columnLimit, true);
  }

  private void promote(
      Instant hour, List<String> events, String run, int columnLimit, boolean typedTables)
      throws IOException {
    BronzeFixtures.write(lake, hour, "part-a.jsonl", events, "\n");
    SilverEventsTest.promote(lake, List.of(hour), Duration.ofHours(6), "silver-" + run);
    TestPipeline p = TestPipelines.create();
    GoldEvents.Config config =
        new GoldEvents.Config(
                LakeLayout.at(lake.toString()),
                LakeTables.catalog(lake),
                List.of(LocalDate.ofInstant(hour, ZoneOffset.UTC)),
                DeduplicateEvents.DEFAULT_HORIZON,
                2,
                1,
                "gold-" + run,
                false)
            .withTypedColumnLimit(columnLimit)
            .withTypedTables(typedTables);
    GoldEvents.build(
        p.apply(ReadSilverEvents.forDates(config.catalog(), config.silverDates())), config);
    TestPipelines.run(p);
  }

  private Table load(LakeTable table) {
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      return catalog.existing(table).orElseThrow();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code sql} over the view {@code lake query} makes of {@code table} at {@code snapshot}. */
  private List<List<Object>> query(LakeTable table, Optional<Long> snapshot, String sql)
      throws SQLException {
    Table loaded = load(table);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = db.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
      SnapshotViews.create(
          db,
          table,
          Optional.of(loaded),
          snapshot.isPresent()
              ? snapshot
              : Optional.ofNullable(loaded.currentSnapshot()).map(x -> x.snapshotId()));
      List<List<Object>> rows = new ArrayList<>();
      try (ResultSet rs = s.executeQuery(sql)) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<Object> row = new ArrayList<>();
          for (int i = 1; i <= n; i++) {
            Object value = rs.getObject(i);
            row.add(
                value instanceof java.sql.Array a ? Arrays.asList((Object[]) a.getArray()) : value);
          }
          rows.add(row);
        }
      }
      return rows;
    }
  }

  private JsonNode report(String date) throws IOException {
    return JSON.readTree(lake.resolve("_reports/gold/events/date=" + date + ".json").toFile());
  }

  @Test
  void aTypeThatGainsAMemberAndChangesATypeStaysQueryableEveryValueTypedOrRescued()
      throws Exception {
    promote(DAY1, DAY1_EVENTS, "1");
    long day1Snapshot = load(QUIZ).currentSnapshot().snapshotId();
    promote(DAY2, DAY2_EVENTS, "2");

    // Both days queryable from typed columns; day one reads the new column as null.
    assertThat(
            query(
                QUIZ,
                Optional.empty(),
                "SELECT event_uuid, event_name, strftime(date, '%Y-%m-%d'), score, attempts,"
                    + " context.screen, context.ab, score_2, ok, tags, _rescued FROM"
                    + " gold_evt_quiz_completed ORDER BY event_uuid"))
        .containsExactly(
            Arrays.asList(
                "q1",
                "quiz:completed",
                "2026-03-01",
                85L,
                null,
                "s1",
                null,
                null,
                true,
                List.of("a", "b"),
                null),
            Arrays.asList(
                "q2", "quiz:completed", "2026-03-01", 92L, null, "s2", "x", 1L, null, null, null),
            Arrays.asList(
                "q3",
                "Quiz:Completed",
                "2026-03-01",
                70L,
                null,
                null,
                null,
                null,
                null,
                null,
                null),
            Arrays.asList(
                "q4",
                "quiz:completed",
                "2026-03-02",
                null,
                2L,
                null,
                null,
                null,
                null,
                null,
                "{\"score\":\"85\",\"context\":{\"screen\":5}}"),
            Arrays.asList(
                "q5", "quiz:completed", "2026-03-02", 77L, 3L, null, null, null, null, null, null));
    assertThat(
            query(
                QUIZ,
                Optional.empty(),
                "SELECT strftime(date, '%Y-%m-%d'), avg(score) FROM gold_evt_quiz_completed"
                    + " GROUP BY 1 ORDER BY 1"))
        .containsExactly(List.of("2026-03-01", 82.33333333333333), List.of("2026-03-02", 77.0));

    // The quoted number is rescued and counted, as is the nested one; day one's report too.
    JsonNode day2 = report("2026-03-02").path("counts");
    assertThat(day2.path("rescued.gold_evt_quiz_completed.score").asLong()).isEqualTo(1);
    assertThat(day2.path("rescued.gold_evt_quiz_completed.context.screen").asLong()).isEqualTo(1);
    assertThat(day2.path("rescued.gold_evt_lesson_started.extra").asLong()).isEqualTo(1);
    assertThat(day2.path("typed.written").asLong()).isEqualTo(3);
    JsonNode day1 = report("2026-03-01");
    assertThat(day1.path("written").asLong()).isEqualTo(5);
    assertThat(day1.path("counts").path("typed.written").asLong()).isEqualTo(4);
    assertThat(day1.path("counts").path("typed.quarantined.no_valid_characters").asLong())
        .isEqualTo(1);
    assertThat(day1.path("snapshots").path("gold_evt_quiz_completed").asLong()).isNotZero();

    // Time travel to day one's snapshot: day one's schema and rows.
    assertThat(
            query(
                QUIZ,
                Optional.of(day1Snapshot),
                "SELECT event_uuid FROM gold_evt_quiz_completed ORDER BY 1"))
        .containsExactly(List.of("q1"), List.of("q2"), List.of("q3"));
    assertThat(
            query(
                    QUIZ,
                    Optional.of(day1Snapshot),
                    "SELECT column_name FROM (DESCRIBE gold_evt_quiz_completed)")
                .stream()
                .map(r -> r.get(0))
                .toList())
        .containsExactly(
            "event_uuid",
            "event_name",
            "created_at",
            "created_datetime",
            "date",
            "_rescued",
            "score",
            "context",
            "score_2",
            "ok",
            "tags");

    // The Iceberg metadata: field ids, the member each column holds, the evolved schema.
    Table quiz = load(QUIZ);
    assertThat(quiz.schemas()).hasSize(3);
    assertThat(SnapshotUtil.schemaFor(quiz, day1Snapshot).findField("attempts")).isNull();
    NestedField attempts = quiz.schema().findField("attempts");
    assertThat(attempts.type()).isEqualTo(Types.LongType.get());
    assertThat(attempts.isOptional()).isTrue();
    assertThat(quiz.schema().findField("score_2").doc()).isEqualTo("payload member \"Score\"");
    assertThat(quiz.schema().findField("context").type().toString())
        .matches(
            "struct<\\d+: screen: optional string \\(payload member \"screen\"\\), \\d+: ab:"
                + " optional string \\(payload member \"ab\"\\)>");

    // An independent reader sees the typed columns with their Parquet types and Iceberg's ids.
    String day2File =
        LakeTables.currentFiles(LakeTables.catalog(lake), QUIZ).stream()
            .filter(f -> f.contains("date=2026-03-02"))
            .findFirst()
            .orElseThrow();
    Map<String, List<Object>> parquet = new HashMap<>();
    for (Map<String, Object> column :
        DuckDb.query(
            "SELECT name, type, logical_type, field_id FROM parquet_schema('" + day2File + "')")) {
      parquet.put(
          (String) column.get("name"),
          Arrays.asList(column.get("type"), column.get("logical_type"), column.get("field_id")));
    }
    assertThat(parquet.get("score"))
        .containsExactly("INT64", null, (long) quiz.schema().findField("score").fieldId());
    assertThat(parquet.get("attempts")).containsExactly("INT64", null, (long) attempts.fieldId());
    assertThat(parquet.get("ok").get(0)).isEqualTo("BOOLEAN");
    assertThat(parquet.get("screen").get(2))
        .isEqualTo((long) quiz.schema().findField("context.screen").fieldId());
    assertThat(parquet.get("_rescued").get(0)).isEqualTo("BYTE_ARRAY");
    assertThat(
            DuckDb.columnTypes(
                "SELECT * FROM read_parquet('" + day2File + "', hive_partitioning = false)"))
        .containsEntry("score", "BIGINT")
        .containsEntry("attempts", "BIGINT")
        .containsEntry("ok", "BOOLEAN")
        .containsEntry("context", "STRUCT(screen VARCHAR, ab VARCHAR)")
        .containsEntry("tags", "VARCHAR[]")
        .containsEntry("created_at", "TIMESTAMP WITH TIME ZONE")
        .containsEntry("date", "DATE");

    // Every payload member of every row is in a typed column or rescued, as in gold_events.
    assertThat(assertEveryMemberAccountedFor()).isEqualTo(21);
    assertTypedTablesHoldGoldEventsRowsPerName();
  }

  @Test
  void aDatePromotedAgainReplacesItsTypedRowsAndEmptiesATypeThatLeftIt() throws Exception {
    promote(DAY1, DAY1_EVENTS, "1");
    promote(DAY2, DAY2_EVENTS, "2");
    promote(DAY2, DAY2_EVENTS, "3");

    assertThat(
            query(
                LESSON,
                Optional.empty(),
                "SELECT event_uuid FROM gold_evt_lesson_started ORDER BY 1"))
        .containsExactly(List.of("l1"), List.of("l2"));
    assertThat(LakeTables.currentFiles(LakeTables.catalog(lake), QUIZ))
        .allMatch(f -> f.contains("/part-gold-1-") || f.contains("/part-gold-3-"));

    // Day two's lesson:started event is gone from silver: its typed table loses it too.
    promote(DAY2, DAY2_EVENTS.subList(0, 2), "4");

    assertThat(
            query(
                LESSON,
                Optional.empty(),
                "SELECT event_uuid FROM gold_evt_lesson_started ORDER BY 1"))
        .containsExactly(List.of("l1"));
    assertThat(
            query(
                QUIZ,
                Optional.empty(),
                "SELECT event_uuid FROM gold_evt_quiz_completed ORDER BY 1"))
        .containsExactly(List.of("q1"), List.of("q2"), List.of("q3"), List.of("q4"), List.of("q5"));
    JsonNode day2 = report("2026-03-02");
    assertThat(day2.path("counts").path("typed.written").asLong()).isEqualTo(2);
    assertThat(day2.path("snapshots").path("gold_evt_lesson_started").asLong()).isNotZero();
    assertThat(assertEveryMemberAccountedFor()).isEqualTo(19);
    assertTypedTablesHoldGoldEventsRowsPerName();
  }

  @Test
  void aRunWithoutTypedTablesLeavesThemNoRowsOfItsDateUntilARunWithThem() throws Exception {
    promote(DAY1, DAY1_EVENTS, "1");
    promote(DAY2, DAY2_EVENTS, "2");
    promote(DAY2, DAY2_EVENTS, "3", GoldEvents.TYPED_COLUMN_LIMIT, false);

    // gold_events holds the date as before; the typed tables hold none of its rows, and say why.
    assertThat(
            query(
                LakeTable.GOLD_EVENTS,
                Optional.empty(),
                "SELECT event_uuid FROM gold_events WHERE date = DATE '2026-03-02' ORDER BY 1"))
        .containsExactly(List.of("l2"), List.of("q4"), List.of("q5"));
    assertThat(
            query(
                QUIZ,
                Optional.empty(),
                "SELECT event_uuid FROM gold_evt_quiz_completed ORDER BY 1"))
        .containsExactly(List.of("q1"), List.of("q2"), List.of("q3"));
    assertThat(
            query(
                LESSON,
                Optional.empty(),
                "SELECT event_uuid FROM gold_evt_lesson_started ORDER BY 1"))
        .containsExactly(List.of("l1"));
    JsonNode day2 = report("2026-03-02");
    assertThat(day2.path("written").asLong()).isEqualTo(3);
    JsonNode counts = day2.path("counts");
    assertThat(counts.path("typed.quarantined.typed_tables_off").asLong()).isEqualTo(3);
    assertThat(counts.has("typed.written")).isFalse();
    assertThat(LakeTables.currentFiles(LakeTables.catalog(lake), QUIZ))
        .allMatch(f -> f.contains("/part-gold-1-"));

    // A run with them fills them again.
    promote(DAY2, DAY2_EVENTS, "4");

    assertThat(report("2026-03-02").path("counts").path("typed.written").asLong()).isEqualTo(3);
    assertTypedTablesHoldGoldEventsRowsPerName();
  }

  @Test
  void pastTheColumnLimitNewMembersAreRescuedAndTheReportSaysSo() throws Exception {
    // A map of ids used as member names: three columns allowed, members with more values first.
    promote(
        DAY1,
        List.of(
            "{\"event_uuid\":\"s1\",\"event_name\":\"scores:seen\",\"created_at\":1772359200,"
                + "\"user\":\"u\",\"by_id\":{\"id1\":1,\"id2\":2}}",
            "{\"event_uuid\":\"s2\",\"event_name\":\"scores:seen\",\"created_at\":1772359201,"
                + "\"user\":\"v\",\"by_id\":{\"id3\":3}}"),
        "1",
        3);

    LakeTable scores = TYPED.member("gold_evt_scores_seen");
    assertThat(
            query(
                scores,
                Optional.empty(),
                "SELECT event_uuid, \"user\", by_id.id1, _rescued FROM gold_evt_scores_seen"
                    + " ORDER BY 1"))
        .containsExactly(
            Arrays.asList("s1", "u", 1L, "{\"by_id\":{\"id2\":2}}"),
            Arrays.asList("s2", "v", null, "{\"by_id\":{\"id3\":3}}"));
    JsonNode counts = report("2026-03-01").path("counts");
    assertThat(counts.path("typed.column_limit.gold_evt_scores_seen").asLong()).isEqualTo(2);
    assertThat(counts.path("rescued.gold_evt_scores_seen.by_id.id2").asLong()).isEqualTo(1);
    assertThat(counts.path("rescued.gold_evt_scores_seen.by_id.id3").asLong()).isEqualTo(1);
    assertThat(assertEveryMemberAccountedFor()).isEqualTo(7);
  }

  /**
   * Checks each typed row against its {@code gold_events} payload, member by member (Iceberg's
   * reader on both sides): a null member is a null column or none; any other is in its column (the
   * one whose doc names it), equal, or in {@code _rescued} as written; {@code _rescued} holds
   * nothing else. Returns the members counted.
   */
  private int assertEveryMemberAccountedFor() throws IOException {
    Map<String, JsonNode> payloads = new HashMap<>();
    for (Record gold : LakeTables.generics(LakeTables.catalog(lake), LakeTable.GOLD_EVENTS)) {
      payloads.put(
          (String) gold.getField("event_uuid"), JSON.readTree((String) gold.getField("payload")));
    }
    int members = 0;
    try (LakeCatalog catalog = LakeCatalog.open(LakeTables.catalog(lake))) {
      for (LakeTable typed : catalog.members(TYPED)) {
        Types.StructType schema = catalog.existing(typed).orElseThrow().schema().asStruct();
        for (Record row : LakeTables.generics(LakeTables.catalog(lake), typed)) {
          String uuid = (String) row.getField("event_uuid");
          String rescued = (String) row.getField(TableFamily.RESCUED);
          members +=
              accountFor(
                  uuid,
                  payloads.get(uuid),
                  row,
                  schema,
                  rescued == null ? null : JSON.readTree(rescued));
        }
      }
    }
    return members;
  }

  private static int accountFor(
      String uuid, JsonNode payload, Record row, Types.StructType struct, JsonNode rescued) {
    Map<String, NestedField> byMember = new HashMap<>();
    for (NestedField field : struct.fields()) {
      String doc = field.doc();
      if (doc != null && doc.startsWith("payload member ")) {
        try {
          byMember.put(
              JSON.readValue(doc.substring("payload member ".length()), String.class), field);
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    }
    int members = 0;
    Iterator<Map.Entry<String, JsonNode>> fields = payload.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> member = fields.next();
      members++;
      NestedField column = byMember.get(member.getKey());
      Object typed = column == null ? null : row.getField(column.name());
      JsonNode kept = rescued == null ? null : rescued.get(member.getKey());
      String where = uuid + "." + member.getKey();
      if (member.getValue().isNull()) {
        assertThat(typed).as(where).isNull();
        assertThat(kept).as(where).isNull();
      } else if (typed instanceof Record nested) {
        members += accountFor(where, member.getValue(), nested, column.type().asStructType(), kept);
      } else if (typed != null) {
        assertThat(kept).as(where + " typed and rescued").isNull();
        assertThat(matches(typed, member.getValue())).as(where + ": " + typed).isTrue();
      } else {
        assertThat(kept).as(where + " neither typed nor rescued").isEqualTo(member.getValue());
      }
    }
    if (rescued != null) {
      assertThat(new TreeSet<>(iterable(rescued.fieldNames())))
          .as(uuid + ": _rescued holds only payload members")
          .isSubsetOf(new TreeSet<>(iterable(payload.fieldNames())));
    }
    return members;
  }

  /** Whether a typed value, as Iceberg's reader gives it, is the JSON value it was made of. */
  private static boolean matches(Object typed, JsonNode json) {
    if (typed == null) {
      return json.isNull();
    }
    if (typed instanceof Long l) {
      return json.isIntegralNumber() && json.canConvertToLong() && json.longValue() == l;
    }
    if (typed instanceof Integer i) {
      return json.isIntegralNumber() && json.canConvertToInt() && json.intValue() == i;
    }
    if (typed instanceof Double d) {
      return json.isNumber() && json.doubleValue() == d;
    }
    if (typed instanceof Boolean b) {
      return json.isBoolean() && json.booleanValue() == b;
    }
    if (typed instanceof String text) {
      return json.isTextual() && json.textValue().equals(text);
    }
    if (typed instanceof List<?> list) {
      if (!json.isArray() || json.size() != list.size()) {
        return false;
      }
      for (int i = 0; i < list.size(); i++) {
        if (!matches(list.get(i), json.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (typed instanceof Record record) {
      // An element of a list: every member with a value has its column, equal.
      Iterator<Map.Entry<String, JsonNode>> members = json.fields();
      while (members.hasNext()) {
        Map.Entry<String, JsonNode> m = members.next();
        NestedField field = null;
        for (NestedField f : record.struct().fields()) {
          if (("payload member " + JSON.valueToTree(m.getKey())).equals(f.doc())) {
            field = f;
          }
        }
        if (!m.getValue().isNull()
            && (field == null || !matches(record.getField(field.name()), m.getValue()))) {
          return false;
        }
      }
      return json.isObject();
    }
    throw new AssertionError("a typed value of an unexpected class: " + typed.getClass());
  }

  private static List<String> iterable(Iterator<String> names) {
    List<String> list = new ArrayList<>();
    names.forEachRemaining(list::add);
    return list;
  }

  /** Each event name's typed table holds exactly its rows of gold_events, by uuid. */
  private void assertTypedTablesHoldGoldEventsRowsPerName() {
    Map<String, TreeSet<String>> gold = new TreeMap<>();
    for (Record row : LakeTables.generics(LakeTables.catalog(lake), LakeTable.GOLD_EVENTS)) {
      String name = (String) row.getField("event_name");
      if (TYPED.tableNameFor(name).isPresent()) {
        gold.computeIfAbsent(name, n -> new TreeSet<>()).add((String) row.getField("event_uuid"));
      }
    }
    Map<String, TreeSet<String>> typed = new TreeMap<>();
    for (String name : gold.keySet()) {
      LakeTable table = TYPED.member(TYPED.tableNameFor(name).orElseThrow());
      for (Record row : LakeTables.generics(LakeTables.catalog(lake), table)) {
        if (row.getField("event_name").equals(name)) {
          typed
              .computeIfAbsent(name, n -> new TreeSet<>())
              .add((String) row.getField("event_uuid"));
        }
      }
    }
    assertThat(typed).isEqualTo(gold);
  }
}
