package io.medallion.lake.beam;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.WritableByteChannel;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BiConsumer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Carries keyed values across a shuffle in batches: within a bundle, each key's values are encoded
 * one after the other ({@code coder}, nested context, so each is self-delimiting) into a batch of
 * about {@link #BATCH_BYTES}, and the batch is the element that crosses the GroupByKey. The values
 * and their order inside a batch are unchanged; {@link #values} decodes them again.
 *
 * <p>Why: a shuffle costs per element. A runner serialises, sorts and deserialises each one
 * (Flink), and the DirectRunner copies a key's whole group through its coder every time another
 * bundle adds to the key (its in-memory state is copy-on-access), which for single rows cost more
 * than the rest of a promotion together (src/docs/benchmark.md). A batch of a thousand rows crosses
 * as one byte array.
 *
 * <p>For batch pipelines in the global window only: what a bundle still holds when it finishes is
 * output then, in the global window at the smallest timestamp. {@link #expand} refuses other
 * windowing. Memory: at most {@link #BUFFERED_BYTES} per DoFn instance (all keys).
 *
 * <p>An {@link AvroCoder}'s values are written and read with Avro's buffered encoder and array
 * decoder, which produce and read the coder's very bytes: the coder itself goes through a stream a
 * byte at a time, which made encoding and decoding the larger part of gold's CPU.
 */
public final class EncodedBatches<K, V>
    extends PTransform<PCollection<KV<K, V>>, PCollection<KV<K, byte[]>>> {
  /** A key's batch is output once it holds this many bytes. */
  public static final int BATCH_BYTES = 1 << 20;

  /** Every batch of a DoFn instance is output once they hold this many bytes together. */
  public static final int BUFFERED_BYTES = 16 << 20;

  private final Coder<V> coder;

  private EncodedBatches(Coder<V> coder) {
    this.coder = coder;
  }

  /** Batches of values encoded with {@code coder}; keys keep the input's key coder. */
  public static <K, V> EncodedBatches<K, V> of(Coder<V> coder) {
    return new EncodedBatches<>(coder);
  }

  @Override
  public PCollection<KV<K, byte[]>> expand(PCollection<KV<K, V>> input) {
    if (!(input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "EncodedBatches is for globally windowed batch input, not "
              + input.getWindowingStrategy().getWindowFn());
    }
    @SuppressWarnings("unchecked")
    Coder<K> keyCoder = ((KvCoder<K, V>) input.getCoder()).getKeyCoder();
    return input
        .apply("EncodeBatches", ParDo.of(new BatchFn<K, V>(coder)))
        .setCoder(KvCoder.of(keyCoder, ByteArrayCoder.of()));
  }

  /**
   * The values of {@code batch}, decoded with {@code coder} one at a time as they are iterated
   * (each iteration decodes again, so a batch can be read more than once).
   *
   * @throws UncheckedIOException from {@code next()} if the batch is not a sequence of values of
   *     {@code coder}
   */
  public static <V> Iterable<V> values(Coder<V> coder, byte[] batch) {
    return () -> Codec.of(coder).decode(batch);
  }

  /**
   * A {@link FileIO.Sink} of batches: writes every value of each batch, in order, to {@code inner}.
   */
  public static <V> FileIO.Sink<byte[]> sink(Coder<V> coder, FileIO.Sink<V> inner) {
    return new BatchSink<>(coder, inner);
  }

  private static final class BatchSink<V> implements FileIO.Sink<byte[]> {
    private static final long serialVersionUID = 1L;
    private final Coder<V> coder;
    private final FileIO.Sink<V> inner;

    BatchSink(Coder<V> coder, FileIO.Sink<V> inner) {
      this.coder = coder;
      this.inner = inner;
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      inner.open(channel);
    }

    @Override
    public void write(byte[] batch) throws IOException {
      for (V value : values(coder, batch)) {
        inner.write(value);
      }
    }

    @Override
    public void flush() throws IOException {
      inner.flush();
    }
  }

  /**
   * The batches a DoFn instance is filling, per key: the building block of {@link EncodedBatches}
   * for a DoFn that batches its own output. Not thread-safe, like the DoFn.
   */
  public static final class Buffer<K, V> {
    private final Codec<V> codec;
    private final Map<K, ByteArrayOutputStream> batches = new HashMap<>();
    private long buffered;

    public Buffer(Coder<V> coder) {
      this.codec = Codec.of(coder);
    }

    /**
     * Adds {@code value} to {@code key}'s batch and passes {@code out} every batch that is due: the
     * key's when it reached {@link #BATCH_BYTES}, all of them when they hold {@link
     * #BUFFERED_BYTES} together.
     */
    public void add(K key, V value, BiConsumer<K, byte[]> out) throws IOException {
      ByteArrayOutputStream batch = batches.get(key);
      if (batch == null) {
        batch = new ByteArrayOutputStream(8192);
        batches.put(key, batch);
      }
      int before = batch.size();
      codec.encode(value, batch);
      buffered += batch.size() - before;
      if (batch.size() >= BATCH_BYTES) {
        out.accept(key, batch.toByteArray());
        buffered -= batch.size();
        batches.remove(key);
      }
      if (buffered >= BUFFERED_BYTES) {
        flush(out);
      }
    }

    /** Passes {@code out} every batch, however small, and starts over. */
    public void flush(BiConsumer<K, byte[]> out) {
      for (Map.Entry<K, ByteArrayOutputStream> e : batches.entrySet()) {
        out.accept(e.getKey(), e.getValue().toByteArray());
      }
      batches.clear();
      buffered = 0;
    }

    /**
     * When a bundle finishes: outputs every batch to the DoFn's main output, in the global window
     * at the smallest timestamp, and starts over.
     */
    public void flush(DoFn<?, KV<K, byte[]>>.FinishBundleContext context) {
      flush(
          (key, batch) ->
              context.output(
                  KV.of(key, batch), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    }

    /**
     * When a bundle finishes: outputs every batch to {@code tag}, in the global window at the
     * smallest timestamp, and starts over.
     */
    public void flush(DoFn<?, ?>.FinishBundleContext context, TupleTag<KV<K, byte[]>> tag) {
      flush(
          (key, batch) ->
              context.output(
                  tag,
                  KV.of(key, batch),
                  BoundedWindow.TIMESTAMP_MIN_VALUE,
                  GlobalWindow.INSTANCE));
    }
  }

  /** Writes values one after the other into a batch and reads them back, in the coder's bytes. */
  private abstract static class Codec<V> {
    @SuppressWarnings("unchecked") // an AvroCoder that is a Coder<V> writes and reads Vs
    static <V> Codec<V> of(Coder<V> coder) {
      return coder instanceof AvroCoder
          ? new AvroCodec<>((AvroCoder<V>) coder)
          : new CoderCodec<>(coder);
    }

    abstract void encode(V value, OutputStream out) throws IOException;

    /**
     * The values of {@code batch}, decoded as they are iterated.
     *
     * @throws UncheckedIOException from {@code next()} if the batch is not a sequence of values
     */
    abstract Iterator<V> decode(byte[] batch);
  }

  private static final class CoderCodec<V> extends Codec<V> {
    private final Coder<V> coder;

    CoderCodec(Coder<V> coder) {
      this.coder = coder;
    }

    @Override
    void encode(V value, OutputStream out) throws IOException {
      coder.encode(value, out);
    }

    @Override
    Iterator<V> decode(byte[] batch) {
      ByteArrayInputStream in = new ByteArrayInputStream(batch);
      return new Iterator<V>() {
        @Override
        public boolean hasNext() {
          return in.available() > 0;
        }

        @Override
        public V next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          try {
            return coder.decode(in);
          } catch (IOException e) {
            throw new UncheckedIOException("not a batch of " + coder, e);
          }
        }
      };
    }
  }

  /** The datum writer and reader the {@link AvroCoder} uses, on Avro's faster encoder/decoder. */
  private static final class AvroCodec<V> extends Codec<V> {
    private final AvroCoder<V> coder;
    private final DatumWriter<V> writer;
    private BinaryEncoder encoder;

    AvroCodec(AvroCoder<V> coder) {
      this.coder = coder;
      this.writer = coder.getDatumFactory().apply(coder.getSchema());
    }

    @Override
    void encode(V value, OutputStream out) throws IOException {
      encoder = EncoderFactory.get().binaryEncoder(out, encoder);
      writer.write(value, encoder);
      encoder.flush();
    }

    @Override
    Iterator<V> decode(byte[] batch) {
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(batch, null);
      DatumReader<V> reader = coder.getDatumFactory().apply(coder.getSchema(), coder.getSchema());
      return new Iterator<V>() {
        @Override
        public boolean hasNext() {
          try {
            return !decoder.isEnd();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }

        @Override
        public V next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          try {
            return reader.read(null, decoder);
          } catch (IOException e) {
            throw new UncheckedIOException("not a batch of " + coder, e);
          }
        }
      };
    }
  }

  static final class BatchFn<K, V> extends DoFn<KV<K, V>, KV<K, byte[]>> {
    private final Coder<V> coder;
    private transient Buffer<K, V> buffer;

    BatchFn(Coder<V> coder) {
      this.coder = coder;
    }

    @StartBundle
    public void startBundle() {
      buffer = new Buffer<>(coder);
    }

    @ProcessElement
    public void process(@Element KV<K, V> element, OutputReceiver<KV<K, byte[]>> out)
        throws IOException {
      buffer.add(element.getKey(), element.getValue(), (k, batch) -> out.output(KV.of(k, batch)));
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      buffer.flush(context);
    }
  }
}
