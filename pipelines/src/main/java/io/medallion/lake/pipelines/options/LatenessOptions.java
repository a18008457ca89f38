package io.medallion.lake.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How long after its creation date gold keeps looking for an event; shared by silver and gold. */
public interface LatenessOptions extends PipelineOptions {
  @Description(
      "Allowed lateness as an ISO-8601 duration: gold for day D reads arrival hours from D 00:00 to"
          + " D+1 00:00 plus this. Silver counts events arriving later as late.")
  @Default.String("PT6H")
  String getAllowedLateness();

  void setAllowedLateness(String value);
}
