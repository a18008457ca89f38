package io.medallion.lake.beam;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * A bounded source of a few elements known when the pipeline is built (units of work, such as
 * groups of files), which splits into one source per element: {@code Read.from(
 * SplitPerElement.of(units, coder, sizeOf))} in place of {@code Create.of(units)} and a reshuffle.
 *
 * <p>Why: the steps after the read run chained to it, on the worker that reads the element, and a
 * runner hands a source's splits to its workers as they ask for them (Flink's batch {@code
 * DataSource}, through Flink's {@code DefaultInputSplitAssigner}: a worker asks for the next split
 * when it has finished the last; the DirectRunner reads its splits on its pool of threads). So a
 * worker that is done takes the next unit, and the workers finish together. {@code Create} splits
 * its elements by encoded bytes into a few contiguous runs, fixed in advance, and a reshuffle by
 * random keys places them by a hash: with two workers, one was still reading 7 s after the other
 * had finished, out of 37 s, in silver at 10M events on Flink (src/docs/benchmark.md).
 *
 * <p>Splits are in the order of the list: put the largest units first, so the last ones to start
 * are small. The elements travel inside the source, by Java serialization, when the runner ships it
 * to its workers.
 *
 * @param <T> the element type
 */
public final class SplitPerElement<T extends Serializable> extends BoundedSource<T> {
  private static final long serialVersionUID = 1L;

  private final List<T> elements;
  private final Coder<T> coder;
  private final SerializableFunction<T, Long> sizeOf;

  private SplitPerElement(List<T> elements, Coder<T> coder, SerializableFunction<T, Long> sizeOf) {
    this.elements = elements;
    this.coder = coder;
    this.sizeOf = sizeOf;
  }

  /**
   * The source of {@code elements}, in order, each its own split.
   *
   * @param coder the elements' coder, the source's output coder
   * @param sizeOf an element's size in bytes (what reading it reads), for the runner's estimate
   */
  public static <T extends Serializable> SplitPerElement<T> of(
      List<T> elements, Coder<T> coder, SerializableFunction<T, Long> sizeOf) {
    return new SplitPerElement<>(new ArrayList<>(elements), coder, sizeOf);
  }

  /** One source per element, whatever {@code desiredBundleSizeBytes}; itself when it has none. */
  @Override
  public List<SplitPerElement<T>> split(long desiredBundleSizeBytes, PipelineOptions options) {
    if (elements.size() <= 1) {
      return List.of(this);
    }
    List<SplitPerElement<T>> splits = new ArrayList<>();
    for (T element : elements) {
      splits.add(new SplitPerElement<>(new ArrayList<>(List.of(element)), coder, sizeOf));
    }
    return splits;
  }

  /** The sum of the elements' sizes. */
  @Override
  public long getEstimatedSizeBytes(PipelineOptions options) {
    long bytes = 0;
    for (T element : elements) {
      bytes += sizeOf.apply(element);
    }
    return bytes;
  }

  @Override
  public BoundedReader<T> createReader(PipelineOptions options) {
    return new Reader<>(this);
  }

  @Override
  public Coder<T> getOutputCoder() {
    return coder;
  }

  /** Reads the elements in order. */
  private static final class Reader<T extends Serializable> extends BoundedReader<T> {
    private final SplitPerElement<T> source;
    private int next;
    private T current;

    Reader(SplitPerElement<T> source) {
      this.source = source;
    }

    @Override
    public boolean start() {
      return advance();
    }

    @Override
    public boolean advance() {
      if (next >= source.elements.size()) {
        current = null;
        return false;
      }
      current = source.elements.get(next++);
      return true;
    }

    @Override
    public T getCurrent() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public void close() {}

    @Override
    public BoundedSource<T> getCurrentSource() {
      return source;
    }
  }
}
