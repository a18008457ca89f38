package io.medallion.lake.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** What every event promotion (silver, gold) shares: pending units, empty input, the horizon. */
public interface PromotionOptions extends PipelineOptions {
  @Description(
      "Promote exactly the units that need it (what the scheduled jobs run): silver, the closed"
          + " hours whose bronze files differ from what their last promotion read (or that were"
          + " never promoted); gold, the promoted dates silver has marked since. --from/--to narrow"
          + " the range considered.")
  @Default.Boolean(false)
  boolean getPending();

  void setPending(boolean value);

  @Description(
      "Allow replacing a unit that holds rows with nothing, when the run read no record for it"
          + " (by default the run refuses and commits nothing).")
  @Default.Boolean(false)
  boolean getAllowEmpty();

  void setAllowEmpty(boolean value);

  @Description(
      "De-duplication horizon (ISO-8601): a copy of an event created at most this long after an"
          + " earlier copy is a duplicate, even on another date; gold reads the silver rows this far"
          + " back, and silver marks the gold dates this far ahead as pending.")
  @Default.String("P1D")
  String getDedupHorizon();

  void setDedupHorizon(String value);
}
