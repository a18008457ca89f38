package io.medallion.lake.filedrop;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medallion.lake.commit.Counts;
import io.medallion.lake.commit.LakeCommitter;
import io.medallion.lake.table.TableAtStart;
import io.medallion.lake.write.IcebergParquetSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileAppender;

/**
 * The outputs of one dropped file: an Iceberg Parquet writer per partition straight into the
 * table's data location, opened on first use, and one staged quarantine file of JSON lines, each
 * with the record's {@code reason}, {@code detail}, {@code source}, {@code record_number} and
 * {@code source_last_modified}, then the record as the parser gives it. Counts what it writes.
 */
final class StagedFileOutputs implements DroppedFileParser.Output, AutoCloseable {
  private final TableAtStart atStart;
  private final Table table;
  private final String fileName;
  private final String stagingRoot;
  private final String quarantineFile;
  private final String source;
  private final String lastModified;
  private final Map<String, Long> counts = new TreeMap<>();
  private final Map<String, Written> parquet = new LinkedHashMap<>();
  private final List<String> quarantine = new ArrayList<>();
  private final List<DataFile> dataFiles = new ArrayList<>();
  private final TableAtStart.PartitionPaths partitionPaths;
  private Writer quarantineWriter;

  private record Written(String path, String partition, FileAppender<GenericRecord> appender) {}

  /**
   * @param fileName the name of the Parquet files, {@code part-<fileName>.parquet}
   * @param quarantineFile the quarantine file's lake-relative path, staged under {@code
   *     stagingRoot}
   * @param lastModified the source's last-modified time (ISO-8601), null where its file system
   *     reports none
   */
  StagedFileOutputs(
      TableAtStart atStart,
      Table table,
      String fileName,
      String stagingRoot,
      String quarantineFile,
      String source,
      String lastModified) {
    this.atStart = atStart;
    this.table = table;
    this.fileName = fileName;
    this.stagingRoot = stagingRoot;
    this.quarantineFile = quarantineFile;
    this.source = source;
    this.lastModified = lastModified;
    this.partitionPaths = atStart.partitionPaths();
  }

  @Override
  public void row(GenericRecord row) {
    try {
      String partitionPath = partitionPaths.of(row);
      Written writer = parquet.get(partitionPath);
      if (writer == null) {
        String path =
            atStart.dataLocation() + "/" + partitionPath + "/part-" + fileName + ".parquet";
        writer =
            new Written(
                path,
                partitionPath,
                IcebergParquetSink.writer(
                    table.io().newOutputFile(path), atStart.writeSchema(), atStart.properties()));
        parquet.put(partitionPath, writer);
      }
      writer.appender().add(row);
      counts.merge(Counts.WRITTEN, 1L, Long::sum);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void rejected(String reason, String detail, long recordNumber, Consumer<ObjectNode> raw) {
    ObjectNode line = quarantineLine(reason, detail, recordNumber);
    raw.accept(line);
    write(line);
    counts.merge(Counts.quarantined(reason), 1L, Long::sum);
  }

  @Override
  public void fileRejected(String reason, String detail, Consumer<ObjectNode> raw) {
    ObjectNode line = quarantineLine(reason, detail, 0);
    raw.accept(line);
    write(line);
  }

  @Override
  public void count(String counter, long n) {
    counts.merge(counter, n, Long::sum);
  }

  private ObjectNode quarantineLine(String reason, String detail, long recordNumber) {
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("reason", reason);
    line.put("detail", detail);
    line.put("source", source);
    line.put("record_number", recordNumber);
    line.put("source_last_modified", lastModified);
    return line;
  }

  private void write(ObjectNode line) {
    try {
      if (quarantineWriter == null) {
        quarantineWriter =
            new BufferedWriter(
                new OutputStreamWriter(
                    Channels.newOutputStream(
                        FileSystems.create(
                            FileSystems.matchNewResource(stagingRoot + "/" + quarantineFile, false),
                            "application/x-ndjson")),
                    StandardCharsets.UTF_8));
        quarantine.add(quarantineFile);
      }
      quarantineWriter.write(line.toString());
      quarantineWriter.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The counts so far: written, quarantined by reason, the parser's own. */
  Map<String, Long> counts() {
    return counts;
  }

  /** The lake-relative paths of the staged quarantine files. */
  List<String> quarantineFiles() {
    return List.copyOf(quarantine);
  }

  /** The data files written, described from their footers; after {@link #close()}. */
  List<DataFile> dataFiles() {
    return List.copyOf(dataFiles);
  }

  @Override
  public void close() throws IOException {
    for (Written writer : parquet.values()) {
      writer.appender().close();
      dataFiles.add(LakeCommitter.dataFile(table, writer.path(), writer.partition()));
    }
    parquet.clear();
    if (quarantineWriter != null) {
      quarantineWriter.close();
    }
  }
}
