package io.medallion.lake.write;

import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.commit.CommitPartitions;
import io.medallion.lake.table.TableAtStart;
import java.util.Locale;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes keyed elements under a base folder, one folder per key (a partition path such as {@code
 * dt=2026-01-02/hour=3}), with a fixed number of files per partition so a partition is one to a few
 * files, never one per bundle. Returns every file written, keyed by its partition. The elements
 * come in {@link EncodedBatches} of {@code T}, keyed by their partition.
 *
 * <p>Two uses: {@link #dataFiles} writes a lake table's Parquet data files straight into the
 * table's data location ({@link IcebergParquetSink}: Iceberg's writer, field ids, all columns),
 * where they stay invisible until {@link CommitPartitions} commits them to the table; {@link
 * #jsonLines} stages quarantine files that the commit moves into the lake.
 *
 * <p>File names carry the run id: {@code part-<run>-00000-of-00001.parquet}. Beam's FileIO writes
 * each file under a temporary folder first and renames it into place once the write succeeded.
 *
 * <p>Elements cross the write's shuffle (the GroupByKey that gathers each file's rows) in their
 * batches, and the writer decodes them: a shuffle costs per element, and the rows of a batch stay
 * together in one file.
 */
public final class WritePartitionFiles<T>
    extends PTransform<PCollection<KV<String, byte[]>>, PCollection<KV<String, String>>> {
  private final FileIO.Sink<T> sink;
  private final Coder<T> coder;
  private final String baseDir;
  private final String tempDir;
  private final String runId;
  private final String suffix;
  private final int filesPerPartition;

  private WritePartitionFiles(
      FileIO.Sink<T> sink,
      Coder<T> coder,
      String baseDir,
      String tempDir,
      String runId,
      String suffix,
      int filesPerPartition) {
    this.sink = sink;
    this.coder = coder;
    this.baseDir = baseDir;
    this.tempDir = tempDir;
    this.runId = runId;
    this.suffix = suffix;
    this.filesPerPartition = filesPerPartition;
  }

  /**
   * A table's Parquet data files, in {@code table}'s data location, for rows of {@link
   * io.medallion.lake.table.LakeTable#avroSchema()} (batches of {@code AvroCoder}) keyed by their
   * partition path ({@link TableAtStart#partitionPath}); FileIO's temporary files go under {@code
   * tempDir} (the run's staging folder), not into the table.
   */
  public static WritePartitionFiles<GenericRecord> dataFiles(
      TableAtStart table, String tempDir, String runId, int filesPerPartition) {
    return new WritePartitionFiles<>(
        new IcebergParquetSink(table.writeSchema(), table.properties()),
        AvroCoder.of(table.table().avroSchema()),
        table.dataLocation(),
        tempDir,
        runId,
        ".parquet",
        filesPerPartition);
  }

  /**
   * JSON lines ({@link EncodedBatches} of {@link StringUtf8Coder}), one file per partition, staged
   * under {@code stagingDir} (quarantine).
   */
  public static WritePartitionFiles<String> jsonLines(String stagingDir, String runId) {
    return new WritePartitionFiles<>(
        TextIO.sink(), StringUtf8Coder.of(), stagingDir, null, runId, ".jsonl", 1);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<KV<String, byte[]>> input) {
    FileIO.Write<String, KV<String, byte[]>> write =
        FileIO.<String, KV<String, byte[]>>writeDynamic()
            .by(new PartitionOf())
            .via(Contextful.fn(new BatchOf()), EncodedBatches.sink(coder, sink))
            .to(baseDir)
            .withNaming(new PartNaming(runId, suffix))
            .withDestinationCoder(StringUtf8Coder.of())
            .withNumShards(filesPerPartition);
    if (tempDir != null) {
      write = write.withTempDirectory(tempDir);
    }
    return input.apply("WriteFiles", write).getPerDestinationOutputFilenames();
  }

  private static final class PartitionOf
      implements SerializableFunction<KV<String, byte[]>, String> {
    @Override
    public String apply(KV<String, byte[]> element) {
      return element.getKey();
    }
  }

  private static final class BatchOf implements SerializableFunction<KV<String, byte[]>, byte[]> {
    @Override
    public byte[] apply(KV<String, byte[]> element) {
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
          fileName(partition, runId, shard, numShards, suffix);
    }
  }

  /**
   * The name of a partition's file {@code shard} of {@code shards} written by run {@code runId},
   * relative to the base folder: {@code <partition>/part-<run>-<shard>-of-<shards><suffix>}, shard
   * numbers from 0, five digits.
   */
  public static String fileName(
      String partition, String runId, int shard, int shards, String suffix) {
    return String.format(
        Locale.ROOT, "%s/part-%s-%05d-of-%05d%s", partition, runId, shard, shards, suffix);
  }
}
