package io.medallion.lake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's row checks compare the runs that finished and name the ones that did not. */
class BenchChecksTest {
  private static final Bench.Layout NONE = new Bench.Layout(0, 0, 0, 0, 0);

  private static Bench.Run run(String stage, String implementation, String status, long rows) {
    return new Bench.Run(
        stage, implementation, status, 10, 1.0, 10.0, 0, rows, NONE, 0.0, "", 0, null);
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
}
