package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's row checks compare the runs that finished and name the ones that did not. */
class BenchChecksTest {
  private static final Bench.Layout NONE = new Bench.Layout(0, 0, 0, 0, 0);

  private static Bench.Run run(String stage, String implementation, String status, long rows) {
    return timed(stage, implementation, status, rows, 1.0);
  }

  private static Bench.Run timed(
      String stage, String implementation, String status, long rows, double wallSeconds) {
    return new Bench.Run(
        stage,
        implementation,
        status,
        10,
        wallSeconds,
        10 / wallSeconds,
        0,
        rows,
        NONE,
        0.0,
        "",
        0,
        null);
  }

  @Test
  void aRefusedRunIsNamedNotCountedAsAMismatch() {
    List<String> checks =
        Bench.checks(
            List.of(
                run("silver", "direct", "failed (exit 2)", 0),
                run("silver", "flink", "ok", 105),
                run("silver", "spark", "ok", 105),
                run("gold", "direct", "skipped: silver failed (exit 2)", 0),
                run("gold", "flink", "ok", 100),
                run("gold", "spark", "ok", 100)));

    assertThat(checks)
        .containsExactly(
            "silver rows {flink=105, spark=105}: ok, all equal (did not finish: [direct])",
            "gold rows {flink=100, spark=100}: ok, all equal (did not finish: [direct])");
  }

  @Test
  void finishedRunsThatDisagreeAreAMismatch() {
    List<String> checks =
        Bench.checks(
            List.of(
                run("silver", "direct", "ok", 105),
                run("silver", "flink", "ok", 104),
                run("gold", "direct", "failed (exit 1)", 0),
                run("gold", "flink", "failed (exit 1)", 0)));

    assertThat(checks)
        .containsExactly(
            "silver rows {direct=105, flink=104}: MISMATCH",
            "gold rows {}: no finished run (did not finish: [direct, flink])");
  }

  @Test
  void erasuresAreComparedLikePromotionsWhenTheBenchRanThem() {
    List<String> checks =
        Bench.checks(
            List.of(
                run("silver", "direct", "ok", 105),
                run("gold", "direct", "ok", 100),
                run("forget", "direct", "ok", 42),
                run("forget", "flink", "ok", 41)));

    assertThat(checks).last().isEqualTo("forget rows {direct=42, flink=41}: MISMATCH");
  }

  @Test
  void theTypedTablesCostIsGoldWithThemOverWithoutAgainstTheTarget() {
    List<Bench.Run> runs =
        List.of(
            timed("gold-untyped", "flink", "ok", 100, 60.0),
            timed("gold", "flink", "ok", 100, 90.0),
            timed("gold-untyped", "direct", "ok", 100, 80.0),
            timed("gold", "direct", "ok", 99, 100.0),
            timed("gold", "spark", "ok", 100, 120.0));

    assertThat(Bench.typedCost(runs, "flink"))
        .contains(
            "typed tables' cost, flink: gold 90.0 s with them, 60.0 s without"
                + " (--typedTables=false): 1.50× (target at most 1.30×: NOT met); gold_events rows"
                + " equal (100)");
    assertThat(Bench.typedCost(runs, "direct"))
        .contains(
            "typed tables' cost, direct: gold 100.0 s with them, 80.0 s without"
                + " (--typedTables=false): 1.25× (target at most 1.30×: met); gold_events rows"
                + " MISMATCH (99 and 100)");
    assertThat(Bench.typedCost(runs, "spark")).isEmpty();
    // Untyped gold is compared with Spark's gold, which writes no typed tables either.
    assertThat(Bench.ratio(runs.get(0), runs, "spark")).isEqualTo("2.00×");
    assertThat(Bench.ratio(runs.get(1), runs, "spark")).isEqualTo("1.33×");
  }

  @Test
  void everyRunGetsTheCollectorNamedAndAMisspeltOneIsRefused() {
    assertThat(Bench.gcOption("Parallel")).isEqualTo("-XX:+UseParallelGC");
    assertThat(Bench.gcOption("G1")).isEqualTo("-XX:+UseG1GC");
    assertThatThrownBy(() -> Bench.gcOption("parallel"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--gc: 'parallel' is not Parallel or G1");
  }
}
