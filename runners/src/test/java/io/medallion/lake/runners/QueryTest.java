package io.medallion.lake.runners;

import static io.medallion.lake.runners.FixtureLake.lake;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.runners.FixtureLake.Result;
import io.medallion.lake.table.AsOf;
import io.medallion.lake.table.CatalogSettings;
import io.medallion.lake.table.LakeCatalog;
import io.medallion.lake.table.LakeTable;
import io.medallion.lake.testing.IcebergFixtures;
import io.medallion.lake.testing.ReadersAgree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lake query} over a lake of Iceberg tables built with Iceberg's own writer ({@link
 * FixtureLake}), plus bronze files from {@code lake produce}.
 */
class QueryTest {
  @TempDir static Path temp;
  private static FixtureLake fixture;
  private static Path lake;

  @BeforeAll
  static void fixtureLake() throws Exception {
    lake = temp.resolve("lake");
    Result produce = lake("produce", "--lake=" + lake, "--events=200", "--hours=2");
    assertThat(produce.status()).as(produce.err()).isZero();
    fixture = FixtureLake.build(lake);
  }

  static Result query(String sql, String... more) {
    List<String> args = new ArrayList<>(List.of("query", "--lake=" + lake, sql));
    args.addAll(List.of(more));
    return lake(args.toArray(String[]::new));
  }

  @Test
  void readsOnlyTheCurrentSnapshotsFilesNotAReplacedFileStillOnDisk() throws Exception {
    Result r = query("select event_uuid, hour from silver_events order by 1", "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).containsExactly("event_uuid,hour", "d,3", "e,3", "f,4");
    try (Stream<Path> files = Files.walk(lake.resolve("silver/events/data"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".parquet"))).hasSize(3);
    }
  }

  @Test
  void asOfASnapshotIdReadsThePreviousPromotionsRowsAndTheOtherTablesAtItsTime() {
    Result silver =
        query(
            "select string_agg(event_uuid, ' ' order by event_uuid) from silver_events",
            "--as-of=" + fixture.hour4().snapshotId(),
            "--format=csv");
    Result first =
        query(
            "select count(*) from silver_events",
            "--as-of=" + fixture.hour3First().snapshotId(),
            "--format=csv");
    Result gold =
        query(
            "select count(*) from gold_events",
            "--as-of=" + fixture.hour3First().snapshotId(),
            "--format=csv");

    assertThat(silver.status()).as(silver.err()).isZero();
    assertThat(silver.lines().get(1)).isEqualTo("a b c f");
    assertThat(first.lines().get(1)).isEqualTo("3");
    assertThat(gold.status()).as(gold.err()).isZero();
    assertThat(gold.lines().get(1)).isEqualTo("0");
  }

  @Test
  void asOfATimeReadsEveryTableAsItWasThen() {
    Instant between = Instant.ofEpochMilli(fixture.hour3Second().timestampMillis()).minusMillis(1);

    Result r =
        query(
            "select (select count(*) from silver_events), (select count(*) from gold_events)",
            "--as-of=" + between,
            "--format=csv");
    Result now = query("select count(*) from silver_events", "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines().get(1)).isEqualTo("4,0");
    assertThat(now.lines().get(1)).isEqualTo("3");
  }

  @Test
  void duckDbThroughTheQueryViewsAndIcebergsGenericReaderAgreeOnEveryTable() throws Exception {
    LakeLayout layout = LakeLayout.at(lake.toString());
    CatalogSettings settings =
        CatalogSettings.local(
            layout, Optional.empty(), CatalogSettings.DEFAULT_NAMESPACE, Map.of());
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake);
        Connection db = Query.open(layout, settings, AsOf.current())) {
      assertThat(catalog.tables()).contains(FixtureLake.TYPED);
      for (LakeTable table : catalog.tables()) {
        assertThat(
                ReadersAgree.assertReadersAgree(
                    db, catalog.table(table), table.tableName(), Optional.empty()))
            .as(table.tableName())
            .isPositive();
      }
    }
    try (LakeCatalog catalog = IcebergFixtures.localCatalog(lake);
        Connection db =
            Query.open(layout, settings, new AsOf.AtSnapshot(fixture.hour3First().snapshotId()))) {
      assertThat(
              ReadersAgree.assertReadersAgree(
                  db,
                  catalog.table(LakeTable.SILVER_EVENTS),
                  "silver_events",
                  Optional.of(fixture.hour3First().snapshotId())))
          .isEqualTo(3);
    }
  }

  @Test
  void aTypedTableReadsItsPayloadColumnsStructsAndListsIncluded() {
    Result r =
        query(
            "select event_uuid, n, ctx.screen, tags, _rescued from gold_evt_lesson_ended order by 1",
            "--format=csv");
    Result types =
        query(
            "select column_name, column_type from (describe gold_evt_lesson_ended)"
                + " where column_name in ('n', 'ctx', 'tags')",
            "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines())
        .containsExactly(
            "event_uuid,n,screen,tags,_rescued",
            "d,4,s1,\"[a, b]\",",
            "e,5,,[],\"{\"\"ctx\"\":{\"\"screen\"\":5}}\"");
    assertThat(types.lines())
        .containsExactly(
            "column_name,column_type", "n,BIGINT", "ctx,STRUCT(screen VARCHAR)", "tags,VARCHAR[]");
  }

  @Test
  void aTypedTableAsOfBeforeItsFirstCommitIsEmptyWithItsColumns() {
    Result r =
        query(
            "select count(*), count(n) from gold_evt_lesson_ended",
            "--as-of=" + fixture.hour4().snapshotId(),
            "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).containsExactly("count_star(),count(n)", "0,0");
  }

  @Test
  void csvLinesEndWithLineFeedsAndQuoteFieldsThatNeedIt() {
    Result r =
        lake(
            "query",
            "--lake=" + lake,
            "--format=csv",
            "--sql=select 'a,b' as x, 'say \"hi\"' as y, null as z, 1 as n"
                + " union all select origin_display_name, city, null, year"
                + " from silver_uber_movements");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).doesNotContain("\r");
    assertThat(r.out())
        .isEqualTo(
            "x,y,z,n\n\"a,b\",\"say \"\"hi\"\"\",,1\n\"Plaza, \"\"Centro\"\"\",bogota,,2020\n");
  }

  @Test
  void printsAnAlignedTableByDefault() {
    Result r = query("select event_type, count(*) as n from gold_events group by 1 order by 1");

    assertThat(r.status()).as(r.err()).isZero();
    List<String> lines = r.lines();
    assertThat(lines.get(0)).matches("event_type +\\| +n");
    assertThat(lines.get(1)).matches("-+-\\+-+");
    assertThat(lines.get(2)).matches("heartbeat +\\| +1");
    assertThat(lines.get(2).indexOf('|')).isEqualTo(lines.get(0).indexOf('|'));
    assertThat(lines.get(lines.size() - 1)).isEqualTo("(2 rows)");
  }

  @Test
  void jsonPrintsOneObjectPerRowWithTimesInUtc() throws Exception {
    Result r =
        query(
            "select event_uuid, created_at, event_subtype, hour, dt from silver_events"
                + " order by created_at limit 2",
            "--format=json");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).hasSize(2);
    JsonNode row = new ObjectMapper().readTree(r.lines().get(0));
    assertThat(row.path("event_uuid").asText()).isEqualTo("d");
    // The test JVM runs in America/Los_Angeles: the lake's times must still print in UTC.
    assertThat(row.path("created_at").asText()).isEqualTo("2026-01-02T03:04:00Z");
    assertThat(row.path("hour").isIntegralNumber()).isTrue();
    assertThat(row.path("dt").asText()).isEqualTo("2026-01-02");
    assertThat(row.path("event_subtype").asText()).isEqualTo("ended");
  }

  /**
   * Instants an hour apart that a zone's clocks show as the same local time, where they go back in
   * 2026 (New York and Los Angeles on 2026-11-01, Berlin on 2026-10-25), and wall times the US and
   * European clocks skip (02:30 on 2026-03-08 and 2026-03-29): whatever the JVM's zone, each prints
   * as DuckDB holds it.
   */
  private static final String CLOCKS_GO_BACK_OR_SKIP =
      "select n, t::TIMESTAMPTZ as t, wall::TIMESTAMP as wall,"
          + " case when n < 7 then wall::TIMESTAMP::TIMESTAMP_MS end as wall_ms,"
          + " case when n < 7 then wall::TIMESTAMP::TIMESTAMP_NS end as wall_ns"
          + " from (values"
          + " (1, '2026-11-01 05:29:00+00', '2026-03-08 02:30:00'),"
          + " (2, '2026-11-01 06:29:00+00', '2026-03-29 02:30:00.5'),"
          + " (3, '2026-11-01 08:29:00+00', '2026-03-08 02:30:01.25'),"
          + " (4, '2026-11-01 09:29:00+00', '2026-03-29 02:30:01.000001'),"
          + " (5, '2026-10-25 00:30:00+00', NULL),"
          + " (6, '2026-10-25 01:30:00.000001+00', '2026-03-29 02:59:59'),"
          + " (7, 'infinity', '-infinity')"
          + ") v(n, t, wall) order by n";

  @Test
  void timesPrintAsDuckDbHoldsThemWhereTheJvmsClocksGoBackOrSkip() throws Exception {
    Result csv = query(CLOCKS_GO_BACK_OR_SKIP, "--format=csv");
    Result json = query(CLOCKS_GO_BACK_OR_SKIP, "--format=json");
    Result table = query(CLOCKS_GO_BACK_OR_SKIP);

    assertThat(csv.status()).as(csv.err()).isZero();
    assertThat(csv.lines())
        .containsExactly(
            "n,t,wall,wall_ms,wall_ns",
            "1,2026-11-01T05:29:00Z,2026-03-08 02:30,2026-03-08 02:30,2026-03-08 02:30",
            "2,2026-11-01T06:29:00Z,2026-03-29 02:30:00.500,2026-03-29 02:30:00.500,"
                + "2026-03-29 02:30:00.500",
            "3,2026-11-01T08:29:00Z,2026-03-08 02:30:01.250,2026-03-08 02:30:01.250,"
                + "2026-03-08 02:30:01.250",
            "4,2026-11-01T09:29:00Z,2026-03-29 02:30:01.000001,2026-03-29 02:30:01,"
                + "2026-03-29 02:30:01.000001",
            "5,2026-10-25T00:30:00Z,,,",
            "6,2026-10-25T01:30:00.000001Z,2026-03-29 02:59:59,2026-03-29 02:59:59,"
                + "2026-03-29 02:59:59",
            "7,infinity,-infinity,,");
    JsonNode second = new ObjectMapper().readTree(json.lines().get(1));
    assertThat(second.path("t").asText()).isEqualTo("2026-11-01T06:29:00Z");
    assertThat(second.path("wall").asText()).isEqualTo("2026-03-29 02:30:00.500");
    assertThat(table.lines().get(3))
        .isEqualTo(
            "2 | 2026-11-01T06:29:00Z        | 2026-03-29 02:30:00.500    |"
                + " 2026-03-29 02:30:00.500 | 2026-03-29 02:30:00.500");
  }

  @Test
  void statementsBeforeAQueryRunOnceAndItsResultStillPrints() {
    Result r =
        query(
            "create temp table t as select 1 as n; insert into t values (2);"
                + " select list(TIMESTAMPTZ '2026-11-01 06:29:00+00') as l, count(*) as n from t",
            "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).hasSize(2).element(1).asString().endsWith(",2");
  }

  @Test
  void timesInsideListsAndStructsPrintAsDuckDbWritesThemInUtc() {
    Result r =
        query(
            "select list(t order by n) as times, {'first': min(t), 'walls': list(wall order by"
                + " n)} as s, count(*) as n from ("
                + CLOCKS_GO_BACK_OR_SKIP
                + ") where n <= 2;",
            "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines())
        .containsExactly(
            "times,s,n",
            "\"['2026-11-01 05:29:00+00', '2026-11-01 06:29:00+00']\","
                + "\"{'first': '2026-11-01 05:29:00+00',"
                + " 'walls': ['2026-03-08 02:30:00', '2026-03-29 02:30:00.5']}\",2");
  }

  @Test
  void bronzeIsReadFromItsFiles() {
    Result bronze =
        query(
            "select dt, hour, count(*) filter (where event_uuid is not null) > 0 from bronze_events"
                + " group by all order by all",
            "--format=csv");

    assertThat(bronze.status()).as(bronze.err()).isZero();
    assertThat(bronze.lines().subList(1, bronze.lines().size()))
        .containsExactly("2026-01-01,0,true", "2026-01-01,1,true");
  }

  @Test
  void bronzeEventsReadsTheFilesSilverReadsAndNoOthers() throws Exception {
    Path hour = lake.resolve("bronze/events/2026/01/01/00");
    Files.createDirectories(hour.resolve("nested"));
    for (String name :
        List.of("read.jsonl", "_x.jsonl", ".x.jsonl", "nested/x.jsonl", "_SUCCESS")) {
      Files.writeString(hour.resolve(name), "{\"event_uuid\":\"skip-test " + name + "\"}\n");
    }

    Result r =
        query(
            "select event_uuid from bronze_events where event_uuid like 'skip-test %'",
            "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).containsExactly("event_uuid", "skip-test read.jsonl");
  }

  @Test
  void tablesNotCreatedYetAreEmptyViewsWithTheirColumns() {
    Path bronzeOnly = temp.resolve("bronze-only");
    assertThat(lake("produce", "--lake=" + bronzeOnly, "--events=10", "--hours=1").status())
        .isZero();

    Result gold =
        lake(
            "query",
            "--lake=" + bronzeOnly,
            "select count(*) as n from gold_events",
            "--format=csv");
    Result uber =
        lake(
            "query",
            "--lake=" + bronzeOnly,
            "select city, year, source_file from silver_uber_movements",
            "--format=csv");

    assertThat(gold.status()).as(gold.err()).isZero();
    assertThat(gold.lines()).containsExactly("n", "0");
    assertThat(uber.status()).as(uber.err()).isZero();
    assertThat(uber.lines()).containsExactly("city,year,source_file");
  }

  @Test
  void theSqlGivenTwiceOrInPiecesIsAUserMistake() {
    Result twice = query("select 1", "--sql=select 2");
    Result pieces = lake("query", "--lake=" + lake, "select", "1");
    Result none = lake("query", "--lake=" + lake);

    assertThat(twice.status()).isEqualTo(2);
    assertThat(twice.err().strip())
        .isEqualTo("lake query: the SQL is given twice, as the argument and as --sql: give one");
    assertThat(pieces.status()).isEqualTo(2);
    assertThat(pieces.err().strip()).startsWith("lake query: give the SQL as one quoted argument");
    assertThat(none.status()).isEqualTo(2);
    assertThat(none.err().strip()).startsWith("lake query: which query?");
    Result sqlOption = lake("query", "--lake=" + lake, "--sql=select 41 + 1", "--format=csv");
    assertThat(sqlOption.lines()).containsExactly("(41 + 1)", "42");
  }

  @Test
  void aBadAsOfIsOneLineAndStatus2() {
    Result garbage = query("select 1", "--as-of=yesterday");
    Result tooEarly = query("select 1", "--as-of=2020-01-01");
    Result unknown = query("select 1", "--as-of=12345");

    assertThat(garbage.status()).isEqualTo(2);
    assertThat(garbage.err().strip())
        .startsWith("lake query: --as-of: 'yesterday' is not a snapshot id")
        .doesNotContain("\n");
    assertThat(tooEarly.status()).isEqualTo(2);
    assertThat(tooEarly.err().strip())
        .startsWith(
            "lake query: --as-of: 2020-01-01T00:00:00Z is before the first snapshot of every lake"
                + " table (");
    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err().strip())
        .startsWith("lake query: --as-of: no lake table has snapshot 12345");
  }

  @Test
  void aBadQueryIsOneLineAndStatus2() {
    Result r = query("selec event_type from gold_events");

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err().strip())
        .doesNotContain("\n")
        .startsWith("lake query: query failed: Parser Error");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void anS3LakeSaysQueryNeedsALocalLake() {
    Result r = lake("query", "--lake=s3://bucket/lake", "select 1");

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err().strip())
        .doesNotContain("\n")
        .startsWith("lake query: --lake: query needs a local lake: DuckDB cannot load its httpfs")
        .contains("use Athena");
  }

  @Test
  void aBadFormatIsAUserMistake() {
    Result r = query("select 1", "--format=xml");

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--format: 'xml' is not one of table, csv, json");
  }
}
