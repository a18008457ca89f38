package io.medallion.lake.io;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/** The progress line: what it counts, how it reads, and that it costs nothing when off. */
class ReportProgressTest {

  @Test
  void countsEveryRecordReadAndSaysWhenReadingIsDone() {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream before = ReportProgress.Reporter.INSTANCE.out;
    ReportProgress.Reporter.INSTANCE.out = new PrintStream(captured, true, StandardCharsets.UTF_8);
    try {
      Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
      List<Integer> records = new ArrayList<>();
      for (int i = 0; i < 1_234; i++) {
        records.add(i);
      }
      ReportProgress.attach(pipeline.apply(Create.of(records)), "silver", "bronze", true);
      pipeline.run().waitUntilFinish();
    } finally {
      ReportProgress.Reporter.INSTANCE.out = before;
    }

    String lines = captured.toString(StandardCharsets.UTF_8);
    assertThat(lines)
        .containsPattern(
            "silver: 1,234 records read \\([0-9,]+/s\\), 0:\\d\\d elapsed, reading done");
  }

  @Test
  void lineShowsRateSinceTheLastLineAndTheStage() {
    ReportProgress.Reporter.Run run = new ReportProgress.Reporter.Run("r", "gold", "silver");
    run.records.add(5_000);
    long now = run.startNanos + 2_000_000_000L;

    assertThat(ReportProgress.Reporter.line(run, now, false))
        .isEqualTo("gold: 5,000 records read (2,500/s), 0:02 elapsed, reading silver");
    assertThat(ReportProgress.Reporter.line(run, now + 5_000_000_000L, false))
        .isEqualTo(
            "gold: 5,000 records read (0/s), 0:07 elapsed, no record read in the last interval"
                + " (later steps: group, write, commit)");
  }

  @Test
  void addsNoStepWhenOffAndThePipelineStillRuns() {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<Integer> records = pipeline.apply(Create.of(1, 2, 3));

    boolean attached = ReportProgress.attach(records, "silver", "bronze", false);

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
    assertThat(attached).isFalse();
    assertThat(steps).noneMatch(s -> s.contains("ReportProgress"));
    // An empty composite on the graph made the DirectRunner wait forever; this must finish.
    assertThat(pipeline.run().waitUntilFinish(org.joda.time.Duration.standardMinutes(2)))
        .isEqualTo(PipelineResult.State.DONE);
  }
}
