package io.medallion.lake.pipelines.options;

import io.medallion.lake.pipelines.aws.S3EndpointOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Where the lake is, and the catalog of its tables. Every pipeline reads and writes under this one
 * root.
 */
public interface LakeOptions extends S3EndpointOptions, CatalogOptions {
  @Description("Lake root: a local folder, or s3://bucket/prefix.")
  @Default.String("./lake")
  String getLake();

  void setLake(String value);

  @Description(
      "Print a progress line every few seconds on long batch runs (each stage's count so far,"
          + " the stage that moved last and its rate, elapsed). Default: only when stdout is a"
          + " terminal.")
  Boolean getProgress();

  void setProgress(Boolean value);
}
