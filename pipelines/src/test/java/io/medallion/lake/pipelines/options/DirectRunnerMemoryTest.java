package io.medallion.lake.pipelines.options;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

class DirectRunnerMemoryTest {
  private static PipelineOptions on(Class<? extends org.apache.beam.sdk.PipelineRunner<?>> r) {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(r);
    return options;
  }

  @Test
  void refusesADirectRunnerRunLargerThanTheHeapSayingWhatToChange() {
    long tooMuch = Runtime.getRuntime().maxMemory() + 1;

    assertThatThrownBy(
            () ->
                DirectRunnerMemory.check(
                    on(DirectRunner.class), "silver", tooMuch, "9.9 GB of bronze", "fewer hours"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the DirectRunner holds a silver run's rows in memory")
        .hasMessageContaining("9.9 GB of bronze needs about")
        .hasMessageContaining(
            "promote fewer hours, run it with --runner=FlinkRunner, or raise -Xmx");
  }

  @Test
  void letsARunThatFitsAndAnyFlinkRunGo() {
    long heap = Runtime.getRuntime().maxMemory();

    assertThatCode(
            () -> DirectRunnerMemory.check(on(DirectRunner.class), "gold", heap, "rows", "less"))
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                DirectRunnerMemory.check(on(FlinkRunner.class), "gold", 10 * heap, "rows", "less"))
        .doesNotThrowAnyException();
  }
}
