package io.medallion.lake.runners;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How {@code lake query} and {@code lake history} print their rows ({@link Results}). */
public interface ResultsOptions extends PipelineOptions {
  @Description("Output: table (aligned columns), csv (with a header), or json (one object a line).")
  @Default.String("table")
  String getFormat();

  void setFormat(String value);

  @Description("In table format, cut longer values to this many characters (0: never).")
  @Default.Integer(60)
  int getMaxWidth();

  void setMaxWidth(int value);
}
