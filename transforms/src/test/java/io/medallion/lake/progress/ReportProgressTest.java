package io.medallion.lake.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.medallion.lake.commit.Counts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/** The progress line: what it counts, how it reads, and that it costs nothing when off. */
class ReportProgressTest {

  @Test
  void countsEachStageAndSaysWhenCountingIsDone() {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream before = ReportProgress.Reporter.INSTANCE.out;
    ReportProgress.Reporter.INSTANCE.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
    try {
      Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
      List<KV<String, Long>> counts = new ArrayList<>();
      for (int i = 0; i < 1_234; i++) {
        counts.add(KV.of(Counts.key("hour=" + (i % 3), Counts.READ), 2L));
        counts.add(KV.of(Counts.key("hour=" + (i % 3), Counts.WRITTEN), 1L));
      }
      ReportProgress progress = ReportProgress.of("silver", true);
      PCollection<KV<String, Long>> read = pipeline.apply(Create.of(counts));
      progress.count(read, "read", "reading bronze", Counts.valueOf(Counts.READ));
      progress.count(read, "written", "writing", Counts.valueOf(Counts.WRITTEN));
      pipeline.run().waitUntilFinish();
    } finally {
      ReportProgress.Reporter.INSTANCE.out = before;
    }

    assertThat(captured.toString(StandardCharsets.UTF_8))
        .containsPattern("silver: 2,468 read, 1,234 written, 0:\\d\\d elapsed, done");
  }

  @Test
  void lineShowsEveryStageCountedAndTheRateOfTheLastThatMoved() {
    ReportProgress.Reporter.Run run = new ReportProgress.Reporter.Run("gold");
    ReportProgress.Reporter.Stage read = run.stage(0, "read", "reading silver");
    ReportProgress.Reporter.Stage deduplicated = run.stage(1, "de-duplicated", "de-duplicating");
    long now = run.startNanos + 2_000_000_000L;
    assertThat(ReportProgress.Reporter.line(run, now, false)).as("nothing counted yet").isNull();

    read.count.add(5_000);
    assertThat(ReportProgress.Reporter.line(run, now, false))
        .isEqualTo("gold: 5,000 read, 0:02 elapsed, reading silver at 2,500/s");

    deduplicated.count.add(1_000);
    read.count.add(10);
    assertThat(ReportProgress.Reporter.line(run, now + 5_000_000_000L, false))
        .isEqualTo("gold: 5,010 read, 1,000 de-duplicated, 0:07 elapsed, de-duplicating at 200/s");
    assertThat(ReportProgress.Reporter.line(run, now + 10_000_000_000L, false))
        .isEqualTo(
            "gold: 5,010 read, 1,000 de-duplicated, 0:12 elapsed, no count moved in the last"
                + " interval (grouping, writing or committing)");
  }

  @Test
  void addsNoStepWhenOffAndThePipelineStillRuns() {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<Integer> records = pipeline.apply(Create.of(1, 2, 3));

    ReportProgress progress = ReportProgress.of("silver", false);
    progress.count(records, "read", "reading", n -> 1L);

    List<String> steps = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            steps.add(node.getFullName());
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            steps.add(node.getFullName());
          }
        });
    assertThat(progress.isOn()).isFalse();
    assertThat(steps).noneMatch(s -> s.contains("ReportProgress"));
    // An empty composite on the graph made the DirectRunner wait forever; this must finish.
    assertThat(pipeline.run().waitUntilFinish(org.joda.time.Duration.standardMinutes(2)))
        .isEqualTo(PipelineResult.State.DONE);
  }
}
