package io.medallion.lake.filedrop;

import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoder;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The dropped files matching a file pattern (local or {@code s3://}), as {@link
 * MatchResult.Metadata} that keeps each file's size and last-modified time from step to step on
 * every runner: matched once ({@link #once}), or polled ({@link #continuously}), each new file and
 * each file whose last-modified time changes emitted once.
 *
 * <p>Beam's coder registry codes {@code Metadata} with {@link MetadataCoder}, which leaves the
 * last-modified time out (kept for pipelines encoded before the field existed), and {@link
 * FileIO}'s match and the {@link Watch} under its polling take their coders from the registry: on a
 * runner that encodes elements between steps (Flink always; the DirectRunner at times, as one CI
 * run showed) a file would arrive last modified at 0, the epoch, and {@link PromoteDroppedFiles}
 * would record that as the source's time. So this transform registers {@link MetadataCoderV2},
 * which keeps it, for the pipeline's {@code Metadata} before it matches.
 */
public final class MatchDroppedFiles extends PTransform<PBegin, PCollection<MatchResult.Metadata>> {
  private final String filepattern;
  private final Duration pollInterval; // null: match once
  private final Watch.Growth.TerminationCondition<String, ?> until; // null: match once

  private MatchDroppedFiles(
      String filepattern,
      Duration pollInterval,
      Watch.Growth.TerminationCondition<String, ?> until) {
    this.filepattern = filepattern;
    this.pollInterval = pollInterval;
    this.until = until;
  }

  /**
   * Every file matching {@code filepattern} now, by {@link FileIO#match()}'s rules (a pattern with
   * a wildcard may match nothing; one without must match a file).
   */
  public static MatchDroppedFiles once(String filepattern) {
    return new MatchDroppedFiles(filepattern, null, null);
  }

  /**
   * The files matching {@code filepattern}, polled every {@code pollInterval} until {@code until}
   * says stop: each new file, and each file whose last-modified time changes, emitted once.
   */
  public static MatchDroppedFiles continuously(
      String filepattern,
      Duration pollInterval,
      Watch.Growth.TerminationCondition<String, ?> until) {
    return new MatchDroppedFiles(filepattern, pollInterval, until);
  }

  @Override
  public PCollection<MatchResult.Metadata> expand(PBegin begin) {
    begin
        .getPipeline()
        .getCoderRegistry()
        .registerCoderForClass(MatchResult.Metadata.class, MetadataCoderV2.of());
    FileIO.Match match = FileIO.match().filepattern(filepattern);
    if (pollInterval != null && until != null) {
      // matchUpdatedFiles: a file dropped again with new content is a new element.
      match = match.continuously(pollInterval, until, true);
    }
    return begin.apply("Match", match);
  }
}
