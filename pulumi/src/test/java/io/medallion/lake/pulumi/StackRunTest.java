package io.medallion.lake.pulumi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StackRunTest {

  @ParameterizedTest
  @ValueSource(strings = {"dev", "staging", "prod"})
  void everyStackRunsCleanly(String stack) {
    LakeStack.Run run = LakeStack.run(stack);

    assertThat(run.result().exceptions()).isEmpty();
    assertThat(run.result().errors()).isEmpty();
    assertThat(run.result().exitCode()).isZero();
    assertThat(run.resources()).isNotEmpty();
  }

  @Test
  void anInvalidSettingFailsTheRun() {
    // Kinesis keeps records 24 hours at least; the settings check must stop the program.
    LakeStack.Run run = LakeStack.run("dev", Map.of("lake:streamRetentionHours", "12"));

    assertThat(run.result().exitCode()).isNotZero();
    assertThat(run.result().exceptions())
        .anySatisfy(e -> assertThat(e).hasMessageContaining("streamRetentionHours"));
  }

  @Test
  void maintenanceScheduledBeforeGoldFailsTheRun() {
    // Compaction should find yesterday's gold committed, not race it.
    LakeStack.Run run =
        LakeStack.run("prod", Map.of("lake:maintainSchedule", "cron(30 6 * * ? *)"));

    assertThat(run.result().exitCode()).isNotZero();
    assertThat(run.result().exceptions())
        .anySatisfy(e -> assertThat(e).hasMessageContaining("maintainSchedule"));
  }
}
