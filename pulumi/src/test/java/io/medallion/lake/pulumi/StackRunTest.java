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
  void noncurrentVersionsKeptPastTheGdprMonthFailTheRun() {
    // An erased object's replaced versions still hold the subject: 30 days at most.
    LakeStack.Run run = LakeStack.run("prod", Map.of("lake:noncurrentVersionExpirationDays", "31"));

    assertThat(run.result().exitCode()).isNotZero();
    assertThat(run.result().exceptions())
        .anySatisfy(
            e ->
                assertThat(e)
                    .hasMessageContaining("noncurrentVersionExpirationDays must be within 1..30")
                    .hasMessageContaining("got 31")
                    .hasMessageContaining("GDPR"));
    assertThat(run.resources()).isEmpty();
  }

  @Test
  void thirtyDaysOfNoncurrentVersionsIsAccepted() {
    LakeStack.Run run = LakeStack.run("dev", Map.of("lake:noncurrentVersionExpirationDays", "30"));

    assertThat(run.result().exceptions()).isEmpty();
    assertThat(run.result().exitCode()).isZero();
  }

  @Test
  void silverWithoutAFilePerPartitionFailsTheRun() {
    LakeStack.Run run = LakeStack.run("prod", Map.of("lake:silverFilesPerPartition", "0"));

    assertThat(run.result().exitCode()).isNotZero();
    assertThat(run.result().exceptions())
        .anySatisfy(
            e -> assertThat(e).hasMessageContaining("silverFilesPerPartition must be at least 1"));
  }

  @Test
  void anErasureScheduleThatIsNotDailyFailsTheRun() {
    LakeStack.Run run = LakeStack.run("prod", Map.of("lake:forgetSchedule", "rate(7 days)"));

    assertThat(run.result().exitCode()).isNotZero();
    assertThat(run.result().exceptions())
        .anySatisfy(e -> assertThat(e).hasMessageContaining("forgetSchedule must be a daily cron"));
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
