package io.medallion.lake.runners;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medallion.lake.pipelines.GoldEvents;
import io.medallion.lake.pipelines.SilverEvents;
import io.medallion.lake.pipelines.options.DirectRunnerMemory;
import io.medallion.lake.table.CatalogLockedException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LakeTest {
  @TempDir Path dir;

  private record Outcome(int status, String out, String err) {}

  private static Outcome lake(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Lake.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bogus|lake: unknown command 'bogus'",
        "silver --hour=2026-13-02T03|lake silver: --hour: '2026-13-02T03' is not an hour like 2026-01-02T03 (UTC)",
        "silver|lake silver: --hour: which hour?",
        "silver --from=2026-01-02T05 --to=2026-01-02T01|lake silver: --to: 2026-01-02T01 is before --from",
        "gold --date=yesterday|lake gold: --date: 'yesterday' is not a date like 2026-01-02",
        "gold --date=2026-01-02 --dedupBuckets=0|lake gold: --dedupBuckets: must be at least 1, got 0",
        "silver --hour=2026-01-02T03 --allowedLateness=6h|lake silver: --allowedLateness: '6h' is not an ISO-8601 duration like PT6H",
        "silver --hourr=2026-01-02T03|lake silver: ",
        "produce --events=-5|lake produce: --events: must not be negative, got -5",
      })
  void aUserMistakeIsOneClearLineAndStatusTwo(String commandLine, String expected) {
    Outcome o = lake((commandLine + " --lake=" + dir).split(" "));

    assertThat(o.status()).isEqualTo(2);
    assertThat(o.err().strip()).startsWith(expected).doesNotContain("\n").doesNotContain("\tat ");
  }

  @Test
  void aMissingLakeIsOneClearLine() {
    Outcome o = lake("silver", "--hour=2026-01-02T03", "--lake=" + dir.resolve("nowhere"));

    assertThat(o.status()).isEqualTo(2);
    assertThat(o.err().strip())
        .isEqualTo(
            "lake silver: --lake: "
                + dir.resolve("nowhere")
                + " does not exist. Produce some events first (make demo, or lake produce)");
  }

  @Test
  void helpListsTheCommandsOptions() {
    Outcome o = lake("gold", "--help");

    assertThat(o.status()).isZero();
    assertThat(o.out()).contains("--date", "--dedupBuckets", "--catalog", "--lake");
  }

  @Test
  void helpListsTheLakesCommandsAndNoBenchmark() {
    Outcome o = lake("--help");

    assertThat(o.status()).isZero();
    assertThat(o.out()).contains("silver", "gold", "maintain").doesNotContain("bench");
    assertThat(lake("bench").err()).startsWith("lake: unknown command 'bench'");
  }

  @Test
  void noArgumentsPrintsUsageAndFails() {
    Outcome o = lake();

    assertThat(o.status()).isEqualTo(2);
    assertThat(o.err()).contains("demo", "produce", "silver", "gold");
  }

  @Test
  void anEmptyHourIsPromotedToAnEmptyReportedPartition() throws Exception {
    Files.createDirectories(dir);

    Outcome o = lake("silver", "--hour=2026-01-02T03", "--lake=" + dir);

    assertThat(o.status()).as(o.err()).isZero();
    assertThat(o.out())
        .contains("silver/events dt=2026-01-02/hour=03: read 0, written 0 (0 file(s))");
    assertThat(dir.resolve("_reports/silver/events/dt=2026-01-02/hour=03.json")).exists();
  }

  @Test
  void silverSaysWhichBronzeFilesItSkippedAndWhy() throws Exception {
    Path hour = dir.resolve("bronze/events/2026/01/02/03");
    Files.createDirectories(hour.resolve("nested"));
    String event = "{\"event_uuid\":\"u\",\"event_name\":\"a:b\",\"created_at\":1767322800}\n";
    Files.writeString(hour.resolve("firehose.jsonl"), event);
    Files.writeString(hour.resolve("_x.jsonl"), event);
    Files.writeString(hour.resolve(".x.jsonl"), event);
    Files.writeString(hour.resolve("nested/x.jsonl"), event);
    Files.createFile(hour.resolve("_SUCCESS"));

    Outcome o = lake("silver", "--hour=2026-01-02T03", "--lake=" + dir);

    assertThat(o.status()).as(o.err()).isZero();
    assertThat(o.out().lines())
        .containsSubsequence(
            "silver/events dt=2026-01-02/hour=03: read 1, written 1 (1 file(s))",
            "  not read: 4 file(s) of "
                + hour
                + " that silver skips: .x.jsonl (name_starts_with_dot), _SUCCESS"
                + " (name_starts_with_underscore), _x.jsonl (name_starts_with_underscore),"
                + " nested/x.jsonl (in_a_sub_folder)");
  }

  @Test
  void aCatalogLockedByAnotherProcessFailsTheRunNamingItsHourAndCommitsNothing() throws Exception {
    Path catalog = dir.resolve("_catalog/iceberg.db");
    Files.createDirectories(catalog.getParent());
    String uri = "jdbc:sqlite:" + catalog + "?busy_timeout=300";

    Outcome o;
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + catalog);
        Statement s = other.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      o = lake("silver", "--hour=2026-01-02T03", "--lake=" + dir, "--catalogUri=" + uri);
    }

    assertThat(o.status()).isEqualTo(1);
    assertThat(o.err().lines().findFirst())
        .hasValue(
            "lake silver: failed: silver_events dt=2026-01-02/hour=03 not committed: the catalog "
                + uri
                + " was locked by another process for longer than its wait (0.3 s, busy_timeout"
                + " in --catalogUri); nothing of this run was committed; run it again once that"
                + " process is done with the catalog");
    assertThat(dir.resolve("_reports")).doesNotExist();
  }

  @Test
  void aCatalogLockedByAnotherProcessIsOneLineForACommandThatOnlyReadsIt() throws Exception {
    Files.createDirectories(dir);
    assertThat(lake("silver", "--hour=2026-01-02T03", "--lake=" + dir).status()).isZero();
    Path catalog = dir.resolve("_catalog/iceberg.db");
    String uri = "jdbc:sqlite:" + catalog + "?busy_timeout=300";

    Outcome o;
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + catalog);
        Statement s = other.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      o = lake("history", "silver_events", "--lake=" + dir, "--catalogUri=" + uri);
    }

    assertThat(o.status()).as(o.err()).isEqualTo(1);
    assertThat(o.err().lines().findFirst())
        .hasValue("lake history: failed: " + CatalogLockedException.outsideACommit());
  }

  @Test
  void theMavenProfilesDefaultRunnerAppliesOnlyWhenNoneIsGiven() {
    String previous = System.getProperty(Lake.DEFAULT_RUNNER_PROPERTY);
    try {
      System.setProperty(Lake.DEFAULT_RUNNER_PROPERTY, "FlinkRunner");

      assertThat(Lake.withRunnerDefaults(new String[] {"--hour=2026-01-02T03"}))
          .contains("--runner=FlinkRunner", "--flinkMaster=[local]")
          .doesNotContain("--enforceImmutability=false");
      assertThat(Lake.withRunnerDefaults(new String[] {"--runner=DirectRunner"}))
          .contains("--runner=DirectRunner", "--enforceImmutability=false")
          .doesNotContain("--runner=FlinkRunner");
    } finally {
      if (previous == null) {
        System.clearProperty(Lake.DEFAULT_RUNNER_PROPERTY);
      } else {
        System.setProperty(Lake.DEFAULT_RUNNER_PROPERTY, previous);
      }
    }
  }

  /** A promotion that checks {@code need} as silver and gold do, and records what it ran with. */
  private static <T extends PipelineOptions> Function<T, PipelineResult> promotion(
      DirectRunnerMemory.Need need, List<T> ranWith) {
    return o -> {
      ranWith.add(o);
      need.check(o);
      return null;
    };
  }

  @Test
  void aPromotionTooLargeForTheDirectRunnerRunsOnEmbeddedFlinkWhenNoRunnerIsNamed() {
    String[] defaulted = Lake.withRunnerDefaults(new String[] {"--hour=2026-01-02T03"});
    SilverEvents.Options direct = Lake.parse(defaulted, SilverEvents.Options.class);
    DirectRunnerMemory.Need tooLarge =
        new DirectRunnerMemory.Need(
            "silver", Runtime.getRuntime().maxMemory() + 1, "9.9 GB of bronze", "fewer hours");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<SilverEvents.Options> ranWith = new ArrayList<>();

    Lake.onFlinkIfTooLarge(
        defaulted,
        direct,
        SilverEvents.Options.class,
        promotion(tooLarge, ranWith),
        new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(ranWith).hasSize(2).first().isSameAs(direct);
    SilverEvents.Options chosen = ranWith.get(1);
    assertThat(chosen.getRunner()).isEqualTo(FlinkRunner.class);
    assertThat(chosen.as(FlinkPipelineOptions.class).getFlinkMaster()).isEqualTo("[local]");
    assertThat(chosen.getHour()).isEqualTo("2026-01-02T03");
    assertThat(out.toString(StandardCharsets.UTF_8).strip())
        .startsWith("silver: 9.9 GB of bronze needs about ")
        .contains("running on embedded Flink, which spills to disk (name a --runner to choose)")
        .doesNotContain("\n");
  }

  @Test
  void aNamedRunnerOrARunThatFitsKeepsItsRunner() {
    DirectRunnerMemory.Need tooLarge =
        new DirectRunnerMemory.Need("gold", Long.MAX_VALUE, "many silver rows", "fewer dates");
    DirectRunnerMemory.Need fits = new DirectRunnerMemory.Need("gold", 1, "1 row", "fewer dates");
    String[] named =
        Lake.withRunnerDefaults(new String[] {"--date=2026-01-02", "--runner=DirectRunner"});
    String[] defaulted = Lake.withRunnerDefaults(new String[] {"--date=2026-01-02"});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    List<GoldEvents.Options> namedRuns = new ArrayList<>();
    List<GoldEvents.Options> defaultRuns = new ArrayList<>();

    GoldEvents.Options namedDirect = Lake.parse(named, GoldEvents.Options.class);
    GoldEvents.Options defaultDirect = Lake.parse(defaulted, GoldEvents.Options.class);

    assertThatThrownBy(
            () ->
                Lake.onFlinkIfTooLarge(
                    named,
                    namedDirect,
                    GoldEvents.Options.class,
                    promotion(tooLarge, namedRuns),
                    print))
        .isInstanceOf(DirectRunnerMemory.TooLarge.class)
        .hasMessageStartingWith("the DirectRunner holds a gold run's rows in memory");
    assertThat(namedRuns).containsExactly(namedDirect);
    Lake.onFlinkIfTooLarge(
        defaulted, defaultDirect, GoldEvents.Options.class, promotion(fits, defaultRuns), print);
    assertThat(defaultRuns).containsExactly(defaultDirect);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
