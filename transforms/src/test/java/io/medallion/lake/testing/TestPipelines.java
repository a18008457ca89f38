package io.medallion.lake.testing;

import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;

/**
 * {@link TestPipeline} from JUnit 5. Beam 2.62 has no working Jupiter extension, and TestPipeline's
 * rule-based checks need JUnit 4, so tests create it here and run it themselves.
 */
public final class TestPipelines {
  private TestPipelines() {}

  public static TestPipeline create() {
    return TestPipeline.create().enableAbandonedNodeEnforcement(false);
  }

  /** Runs to completion and fails the test if the pipeline did not finish cleanly. */
  public static void run(TestPipeline pipeline) {
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new AssertionError("pipeline ended in state " + state);
    }
  }
}
