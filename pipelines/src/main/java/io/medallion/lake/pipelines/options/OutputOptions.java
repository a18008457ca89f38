package io.medallion.lake.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How promotions lay out their Parquet files. */
public interface OutputOptions extends PipelineOptions {
  @Description(
      "Parquet files per partition (each written in parallel; silver: at most, one per group of"
          + " an hour's bronze files). More files write faster on many workers; fewer make faster"
          + " queries.")
  @Default.Integer(1)
  int getFilesPerPartition();

  void setFilesPerPartition(int value);
}
