package io.medallion.lake.beam;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The files that match some patterns, as a bounded source that splits into one source per file:
 * {@code Read.from(MatchedFiles.of(patterns))} in place of {@code Create.of(patterns)}, {@code
 * FileIO.matchAll()} and a reshuffle. A pattern that matches nothing is allowed ({@link
 * EmptyMatchTreatment#ALLOW}); the patterns are matched once, when the runner sizes and splits the
 * source as the pipeline starts (or when a runner that does not split reads it whole).
 *
 * <p>Why: the steps after the read run chained to it, on the worker that reads the file, and a
 * runner hands a source's splits to its workers as they ask for them (Flink's batch {@code
 * DataSource}: a worker asks for the next split when it has finished the last; the DirectRunner
 * reads its splits on its pool of threads). So a worker that is done takes the next file, and the
 * workers finish together. A reshuffle by random keys places the files by a hash of their key
 * instead: with two workers, one was still reading 7 s after the other had finished, out of 37 s,
 * in silver at 10M events on Flink (src/docs/benchmark.md).
 *
 * <p>Each element is a file's {@link MatchResult.Metadata} ({@link MetadataCoderV2}), for {@code
 * FileIO.readMatches()}. Splits are in the order the file system lists the files of each pattern.
 */
public final class MatchedFiles extends BoundedSource<MatchResult.Metadata> {
  private static final long serialVersionUID = 1L;

  /** The patterns, or null for the source of one file. */
  private final List<String> patterns;

  /** The file of a split; null for the source of the patterns. */
  private final MatchResult.Metadata file;

  /** What the patterns matched, listed once per instance (a runner sizes, then splits it). */
  private transient List<MatchResult.Metadata> matched;

  private MatchedFiles(List<String> patterns, MatchResult.Metadata file) {
    this.patterns = patterns;
    this.file = file;
  }

  /** The files matching any of {@code patterns} (Beam file patterns: {@code dir/*}, globs). */
  public static MatchedFiles of(List<String> patterns) {
    return new MatchedFiles(List.copyOf(patterns), null);
  }

  /**
   * The files the source stands for: its own, or those its patterns matched when first asked.
   *
   * @throws IOException naming the pattern when the file system cannot list it
   */
  List<MatchResult.Metadata> files() throws IOException {
    if (file != null) {
      return List.of(file);
    }
    if (matched == null) {
      List<MatchResult.Metadata> files = new ArrayList<>();
      List<MatchResult> matches =
          patterns.isEmpty() ? List.of() : FileSystems.match(patterns, EmptyMatchTreatment.ALLOW);
      for (int i = 0; i < matches.size(); i++) {
        try {
          files.addAll(matches.get(i).metadata());
        } catch (IOException e) {
          throw new IOException("cannot list the files matching " + patterns.get(i) + ": " + e, e);
        }
      }
      matched = List.copyOf(files);
    }
    return matched;
  }

  /** One source per file, whatever {@code desiredBundleSizeBytes}; itself when nothing matches. */
  @Override
  public List<MatchedFiles> split(long desiredBundleSizeBytes, PipelineOptions options)
      throws IOException {
    if (file != null) {
      return List.of(this);
    }
    List<MatchedFiles> splits = new ArrayList<>();
    for (MatchResult.Metadata metadata : files()) {
      splits.add(new MatchedFiles(null, metadata));
    }
    return splits.isEmpty() ? List.of(this) : splits;
  }

  /** The bytes of the files, as listed. */
  @Override
  public long getEstimatedSizeBytes(PipelineOptions options) throws IOException {
    long bytes = 0;
    for (MatchResult.Metadata metadata : files()) {
      bytes += metadata.sizeBytes();
    }
    return bytes;
  }

  @Override
  public BoundedReader<MatchResult.Metadata> createReader(PipelineOptions options)
      throws IOException {
    return new Reader(this, files());
  }

  @Override
  public Coder<MatchResult.Metadata> getOutputCoder() {
    return MetadataCoderV2.of();
  }

  /** Reads the files' metadata, one element per file. */
  private static final class Reader extends BoundedReader<MatchResult.Metadata> {
    private final MatchedFiles source;
    private final List<MatchResult.Metadata> files;
    private int next;
    private MatchResult.Metadata current;

    Reader(MatchedFiles source, List<MatchResult.Metadata> files) {
      this.source = source;
      this.files = files;
    }

    @Override
    public boolean start() {
      return advance();
    }

    @Override
    public boolean advance() {
      if (next >= files.size()) {
        current = null;
        return false;
      }
      current = files.get(next++);
      return true;
    }

    @Override
    public MatchResult.Metadata getCurrent() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public void close() {}

    @Override
    public BoundedSource<MatchResult.Metadata> getCurrentSource() {
      return source;
    }
  }
}
