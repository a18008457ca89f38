package io.medallion.lake.io;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
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
 */
public final class WritePartitionFiles<T>
    extends PTransform<PCollection<KV<String, T>>, PCollection<KV<String, String>>> {
  private final FileIO.Sink<T> sink;
  private final String stagingTableDir;
  private final String runId;
  private final String suffix;
  private final int filesPerPartition;

  private WritePartitionFiles(
      FileIO.Sink<T> sink,
      String stagingTableDir,
      String runId,
      String suffix,
      int filesPerPartition) {
    this.sink = sink;
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
        stagingTableDir,
        runId,
        ".parquet",
        filesPerPartition);
  }

  /** JSON lines, one file per partition (quarantine). */
  public static WritePartitionFiles<String> jsonLines(String stagingTableDir, String runId) {
    return new WritePartitionFiles<>(TextIO.sink(), stagingTableDir, runId, ".jsonl", 1);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<KV<String, T>> input) {
    return input
        .apply(
            "WriteFiles",
            FileIO.<String, KV<String, T>>writeDynamic()
                .by(new PartitionOf<T>())
                .via(Contextful.fn(new ValueOf<T>()), sink)
                .to(stagingTableDir)
                .withNaming(new PartNaming(runId, suffix))
                .withDestinationCoder(StringUtf8Coder.of())
                .withNumShards(filesPerPartition))
        .getPerDestinationOutputFilenames();
  }

  private static final class PartitionOf<T> implements SerializableFunction<KV<String, T>, String> {
    @Override
    public String apply(KV<String, T> element) {
      return element.getKey();
    }
  }

  private static final class ValueOf<T> implements SerializableFunction<KV<String, T>, T> {
    @Override
    public T apply(KV<String, T> element) {
      return element.getValue();
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
