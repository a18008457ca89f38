package io.medallion.lake.io;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Writes keyed elements into a staging copy of a table, one folder per key (a partition path such
 * as {@code dt=2026-01-02/hour=03}), with a fixed number of files per partition so a partition is
 * one to a few files, never one per bundle. Returns every staged file; {@link CommitPartitions}
 * moves them into the lake.
 *
 * <p>File names carry the run id: {@code part-<run>-00000-of-00001.parquet}.
 *
 * <p>Elements cross the write's shuffle (the GroupByKey that gathers each file's rows) as encoded
 * bytes and are decoded by the writer. Runners that shuffle through serialization pay the same
 * either way; the DirectRunner keeps grouped values in memory and copies a key's whole bag through
 * its coder each time another bundle adds to it, which for Avro records cost more than the rest of
 * the promotion together. A byte array copies for almost nothing.
 */
public final class WritePartitionFiles<T>
    extends PTransform<PCollection<KV<String, T>>, PCollection<KV<String, String>>> {
  private final FileIO.Sink<T> sink;
  private final Coder<T> coder;
  private final String stagingTableDir;
  private final String runId;
  private final String suffix;
  private final int filesPerPartition;

  private WritePartitionFiles(
      FileIO.Sink<T> sink,
      Coder<T> coder,
      String stagingTableDir,
      String runId,
      String suffix,
      int filesPerPartition) {
    this.sink = sink;
    this.coder = coder;
    this.stagingTableDir = stagingTableDir;
    this.runId = runId;
    this.suffix = suffix;
    this.filesPerPartition = filesPerPartition;
  }

  /** Snappy-compressed Parquet of {@code schema}. */
  public static WritePartitionFiles<GenericRecord> parquet(
      Schema schema, String stagingTableDir, String runId, int filesPerPartition) {
    return new WritePartitionFiles<>(
        ParquetIO.sink(schema).withCompressionCodec(CompressionCodecName.SNAPPY),
        AvroCoder.of(schema),
        stagingTableDir,
        runId,
        ".parquet",
        filesPerPartition);
  }

  /** JSON lines, one file per partition (quarantine). */
  public static WritePartitionFiles<String> jsonLines(String stagingTableDir, String runId) {
    return new WritePartitionFiles<>(
        TextIO.sink(), StringUtf8Coder.of(), stagingTableDir, runId, ".jsonl", 1);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<KV<String, T>> input) {
    return input
        .apply("Encode", ParDo.of(new EncodeFn<T>(coder)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
        .apply(
            "WriteFiles",
            FileIO.<String, KV<String, byte[]>>writeDynamic()
                .by(new PartitionOf())
                .via(Contextful.fn(new DecodeFn<T>(coder)), sink)
                .to(stagingTableDir)
                .withNaming(new PartNaming(runId, suffix))
                .withDestinationCoder(StringUtf8Coder.of())
                .withNumShards(filesPerPartition))
        .getPerDestinationOutputFilenames();
  }

  private static final class PartitionOf
      implements SerializableFunction<KV<String, byte[]>, String> {
    @Override
    public String apply(KV<String, byte[]> element) {
      return element.getKey();
    }
  }

  static final class EncodeFn<T> extends DoFn<KV<String, T>, KV<String, byte[]>> {
    private final Coder<T> coder;

    EncodeFn(Coder<T> coder) {
      this.coder = coder;
    }

    @ProcessElement
    public void process(@Element KV<String, T> element, OutputReceiver<KV<String, byte[]>> out)
        throws CoderException {
      out.output(KV.of(element.getKey(), CoderUtils.encodeToByteArray(coder, element.getValue())));
    }
  }

  private static final class DecodeFn<T> implements SerializableFunction<KV<String, byte[]>, T> {
    private final Coder<T> coder;

    DecodeFn(Coder<T> coder) {
      this.coder = coder;
    }

    @Override
    public T apply(KV<String, byte[]> element) {
      try {
        return CoderUtils.decodeFromByteArray(coder, element.getValue());
      } catch (CoderException e) {
        throw new IllegalStateException("cannot decode a row this transform encoded", e);
      }
    }
  }

  /** {@code <partition>/part-<run>-<shard>-of-<shards><suffix>}: no colons, unique per run. */
  private static final class PartNaming
      implements SerializableFunction<String, FileIO.Write.FileNaming> {
    private final String runId;
    private final String suffix;

    PartNaming(String runId, String suffix) {
      this.runId = runId;
      this.suffix = suffix;
    }

    @Override
    public FileIO.Write.FileNaming apply(String partition) {
      return (BoundedWindow window, PaneInfo pane, int numShards, int shard, Compression c) ->
          String.format("%s/part-%s-%05d-of-%05d%s", partition, runId, shard, numShards, suffix);
    }
  }
}
