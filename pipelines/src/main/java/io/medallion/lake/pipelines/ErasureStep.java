package io.medallion.lake.pipelines;

import io.medallion.lake.erasure.ErasureCounts;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * One step of {@code lake forget} ({@link ForgetSubjects}), run to completion before the next:
 * erasing bronze and quarantine, a table's rows, a gold re-promotion, the tables' history. Returns
 * its counts, {@code <layer>.<metric>} to a number, for the receipt.
 */
public interface ErasureStep {
  /** The step's name, as the receipt lists the steps that ran. */
  String name();

  /**
   * Runs the step for {@code config} with the command's pipeline options (runner, lake, catalog),
   * which hold no subject's value.
   *
   * @return the step's counts (in a dry run, what it would change)
   */
  Map<String, Long> run(ForgetSubjects.Config config, PipelineOptions options) throws Exception;

  /**
   * {@link #run(ForgetSubjects.Config, PipelineOptions)}, for a step whose work depends on what the
   * steps before it counted ({@code counts}, summed): a dry run changes nothing, so a step after
   * another predicts from its counts.
   */
  default Map<String, Long> run(
      ForgetSubjects.Config config, PipelineOptions options, Map<String, Long> counts)
      throws Exception {
    return run(config, options);
  }

  /** Wires a step's Beam graph into a pipeline; returns its counts. */
  @FunctionalInterface
  interface Graph {
    PCollection<KV<String, Long>> build(Pipeline pipeline, ForgetSubjects.Config config);
  }

  /**
   * A step that is one Beam pipeline on the command's runner: builds {@code graph}, runs it, and
   * hands its counts back through a file in the run's staging folder ({@link ErasureCounts}).
   */
  static ErasureStep pipeline(String name, Graph graph) {
    return new PipelineStep(name, graph);
  }

  /** {@link #pipeline}'s step. */
  record PipelineStep(String name, Graph graph) implements ErasureStep {
    @Override
    public Map<String, Long> run(ForgetSubjects.Config config, PipelineOptions options)
        throws Exception {
      String counts = config.lake().staging(config.runId()) + "/erasure-counts/" + name + ".json";
      Pipeline pipeline = Pipeline.create(options);
      graph.build(pipeline, config).apply("HandCountsBack", ErasureCounts.to(counts));
      PipelineResult.State state = pipeline.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("erasure step " + name + " ended in state " + state);
      }
      return ErasureCounts.read(counts);
    }
  }
}
