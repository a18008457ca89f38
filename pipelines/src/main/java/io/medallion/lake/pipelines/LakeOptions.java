package io.medallion.lake.pipelines;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Where the lake is. Every pipeline reads and writes under this one root. */
public interface LakeOptions extends PipelineOptions {
  @Description("Lake root: a local folder, or s3://bucket/prefix.")
  @Default.String("./lake")
  String getLake();

  void setLake(String value);
}
