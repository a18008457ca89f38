package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lake query} over a lake the real pipelines wrote: the demo (2,000 events over 2 hours) on
 * the DirectRunner, once for the class.
 */
class QueryTest {
  private static final long DEMO_EVENTS = 2_000;

  @TempDir static Path temp;
  private static Path lake;

  /** What the launcher printed and returned. */
  record Result(int status, String out, String err) {
    List<String> lines() {
      return Arrays.asList(out.strip().split("\r?\n"));
    }
  }

  @BeforeAll
  static void demoLake() {
    lake = temp.resolve("lake");
    Result demo =
        lake(
            "demo",
            "--lake=" + lake,
            "--events=" + DEMO_EVENTS,
            "--hours=2",
            "--start=2026-01-01T00");
    assertThat(demo.status()).as(demo.err()).isZero();
  }

  static Result lake(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Lake.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Result query(String sql, String... more) {
    List<String> args = new ArrayList<>(List.of("query", "--lake=" + lake, "--sql=" + sql));
    args.addAll(List.of(more));
    return lake(args.toArray(String[]::new));
  }

  @Test
  void countsGoldEventsPerType() {
    Result r =
        query(
            "select event_type, count(*) as n from gold_events group by 1 order by n desc, 1",
            "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines().get(0)).isEqualTo("event_type,n");
    List<String> rows = r.lines().subList(1, r.lines().size());
    assertThat(rows).hasSizeGreaterThan(10);
    long total = rows.stream().mapToLong(l -> Long.parseLong(l.split(",")[1])).sum();
    assertThat(total).isEqualTo(DEMO_EVENTS);
  }

  @Test
  void printsAnAlignedTableByDefault() {
    Result r =
        query("select event_type, count(*) as n from gold_events group by 1 order by 1 limit 3");

    assertThat(r.status()).as(r.err()).isZero();
    List<String> lines = r.lines();
    assertThat(lines.get(0)).matches("event_type +\\| +n");
    assertThat(lines.get(1)).matches("-+-\\+-+");
    assertThat(lines.get(2).indexOf('|')).isEqualTo(lines.get(0).indexOf('|'));
    assertThat(lines.get(lines.size() - 1)).isEqualTo("(3 rows)");
  }

  @Test
  void silverAndBronzeExposeTheirArrivalPartitions() {
    Result silver =
        query(
            "select dt, hour, count(*) from silver_events group by all order by all",
            "--format=csv");
    Result bronze =
        query(
            "select dt, hour, count(*) filter (where event_uuid is not null) from bronze_events"
                + " group by all order by all",
            "--format=csv");

    assertThat(silver.status()).as(silver.err()).isZero();
    assertThat(silver.lines()).hasSize(3);
    assertThat(silver.lines().get(1)).startsWith("2026-01-01,0,");
    assertThat(silver.lines().get(2)).startsWith("2026-01-01,1,");
    assertThat(bronze.status()).as(bronze.err()).isZero();
    assertThat(bronze.lines().subList(1, 3))
        .allSatisfy(l -> assertThat(l).matches("2026-01-01,[01],\\d+"));
  }

  @Test
  void goldTablesExposeTypeAndDatePartitions() {
    Result events =
        query(
            "select count(distinct event_type), min(date), max(date), count(*) from gold_events",
            "--format=csv");
    Result stats =
        query(
            "select date, sum(distinct_events), sum(event_count) - sum(distinct_events) ="
                + " sum(duplicates_removed) from gold_event_stats group by all",
            "--format=csv");

    assertThat(events.status()).as(events.err()).isZero();
    assertThat(events.lines().get(1)).matches("\\d+,2026-01-01,2026-01-01," + DEMO_EVENTS);
    assertThat(stats.status()).as(stats.err()).isZero();
    assertThat(stats.lines().get(1)).isEqualTo("2026-01-01," + DEMO_EVENTS + ",true");
  }

  @Test
  void jsonPrintsOneObjectPerRowWithTimesInUtc() throws Exception {
    Result r =
        query(
            "select event_uuid, created_at, event_subtype, hour from silver_events"
                + " order by created_at limit 2",
            "--format=json");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).hasSize(2);
    JsonNode row = new ObjectMapper().readTree(r.lines().get(0));
    assertThat(row.path("event_uuid").isTextual()).isTrue();
    // The test JVM runs in America/Los_Angeles: the lake's times must still print in UTC.
    assertThat(row.path("created_at").asText()).startsWith("2026-01-01T00:").endsWith("Z");
    assertThat(row.path("hour").isIntegralNumber()).isTrue();
    assertThat(row.has("event_subtype")).isTrue();
  }

  @Test
  void csvQuotesFieldsThatNeedIt() {
    Result r = query("select 'a,b' as x, 'say \"hi\"' as y, null as z, 1 as n", "--format=csv");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.lines()).containsExactly("x,y,z,n", "\"a,b\",\"say \"\"hi\"\"\",,1");
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
  void aTableWithoutFilesSaysWhichStepWritesIt() {
    Path bronzeOnly = temp.resolve("bronze-only");
    assertThat(lake("produce", "--lake=" + bronzeOnly, "--events=10", "--hours=1").status())
        .isZero();

    Result gold = lake("query", "--lake=" + bronzeOnly, "--sql=select count(*) from gold_events");
    Result uber =
        lake("query", "--lake=" + bronzeOnly, "--sql=select * from silver_uber_movements");
    Result bronze =
        lake("query", "--lake=" + bronzeOnly, "--sql=select count(*) from bronze_events");

    assertThat(gold.status()).isEqualTo(2);
    assertThat(gold.err().strip())
        .isEqualTo("lake query: table gold_events is empty: run gold first");
    assertThat(uber.status()).isEqualTo(2);
    assertThat(uber.err().strip()).contains("table silver_uber_movements is empty");
    assertThat(bronze.status()).as(bronze.err()).isZero();
  }

  @Test
  void s3LakesAreForAthena() {
    Result r = lake("query", "--lake=s3://bucket/lake", "--sql=select 1");

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err().strip()).doesNotContain("\n").contains("use Athena");
  }

  @Test
  void aMissingSqlOrFormatIsAUserMistake() {
    assertThat(lake("query", "--lake=" + lake).status()).isEqualTo(2);
    assertThat(query("select 1", "--format=xml").err()).contains("--format");
  }
}
