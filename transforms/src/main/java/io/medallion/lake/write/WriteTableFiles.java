package io.medallion.lake.write;

import io.medallion.lake.beam.EncodedBatches;
import io.medallion.lake.commit.CommitPartitions;
import io.medallion.lake.table.TableAtStart;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes rows of a lake table ({@link io.medallion.lake.table.LakeTable#avroSchema()}) as Parquet
 * data files into the table's data location, in Iceberg's partition folders ({@code
 * data/dt=2026-01-02/hour=3/}), {@code filesPerPartition} files per partition ({@link
 * WritePartitionFiles#dataFiles}). Returns each file written keyed by its partition path; nothing
 * is in the table until {@link CommitPartitions} commits them.
 */
public final class WriteTableFiles
    extends PTransform<PCollection<GenericRecord>, PCollection<KV<String, String>>> {
  private final TableAtStart table;
  private final String tempDir;
  private final String runId;
  private final int filesPerPartition;

  private WriteTableFiles(TableAtStart table, String tempDir, String runId, int filesPerPartition) {
    this.table = table;
    this.tempDir = tempDir;
    this.runId = runId;
    this.filesPerPartition = filesPerPartition;
  }

  /**
   * @param tempDir where Beam's FileIO keeps its temporary files (the run's staging folder)
   */
  public static WriteTableFiles into(
      TableAtStart table, String tempDir, String runId, int filesPerPartition) {
    if (filesPerPartition < 1) {
      throw new IllegalArgumentException("filesPerPartition must be at least 1");
    }
    return new WriteTableFiles(table, tempDir, runId, filesPerPartition);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<GenericRecord> rows) {
    return rows.apply("KeyByPartition", ParDo.of(new KeyByPartitionFn(table)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), AvroCoder.of(table.table().avroSchema())))
        .apply("BatchRows", EncodedBatches.of(AvroCoder.of(table.table().avroSchema())))
        .apply(
            "WriteDataFiles",
            WritePartitionFiles.dataFiles(table, tempDir, runId, filesPerPartition));
  }

  static final class KeyByPartitionFn extends DoFn<GenericRecord, KV<String, GenericRecord>> {
    private final TableAtStart table;
    private transient TableAtStart.PartitionPaths paths;

    KeyByPartitionFn(TableAtStart table) {
      this.table = table;
    }

    @Setup
    public void setup() {
      paths = table.partitionPaths();
    }

    @ProcessElement
    public void process(@Element GenericRecord row, OutputReceiver<KV<String, GenericRecord>> out) {
      out.output(KV.of(paths.of(row), row));
    }
  }
}
