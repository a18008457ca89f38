package io.medallion.lake.write;

import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.table.JavaLocalFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopOutputFile;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.schema.MessageType;

/**
 * Opening the lake's Parquet data files one by one, without a fresh Hadoop configuration each:
 * Iceberg's writer and Parquet's footer reader make one ({@code new Configuration()}) for any file
 * that is not Hadoop's, and parse Hadoop's default XML resources into it, which takes about as long
 * as writing a small file. A run that writes and commits a typed table per event name opens
 * hundreds of files.
 */
public final class ParquetFiles {
  /** Hadoop's configuration for the lake's local files, without its default resources. */
  private static final ThreadLocal<Configuration> LOCAL =
      ThreadLocal.withInitial(JavaLocalFileSystem::configuration);

  private ParquetFiles() {}

  /**
   * Iceberg's Parquet writer of Avro rows of {@code schema} into a new file at {@code location}
   * ({@link IcebergParquetSink#writer}): a local file through Hadoop's raw local file system with
   * the lake's own small configuration; any other ({@code s3://}) through Beam's file systems. The
   * file is replaced if it exists (a retried write).
   */
  public static FileAppender<GenericRecord> writer(
      String location, Schema schema, Map<String, String> properties) throws IOException {
    return IcebergParquetSink.writer(outputFile(location), schema, properties);
  }

  /**
   * Iceberg's Parquet writer of Iceberg's generic {@link Record}s of {@code schema} into a new file
   * at {@code location}, as {@link #writer} writes Avro rows: the same Parquet schema, field ids,
   * compression and column metrics, for rows read back with Iceberg's generic reader (a data file
   * rewritten without some of its rows).
   */
  public static FileAppender<Record> recordWriter(
      String location, Schema schema, Map<String, String> properties) throws IOException {
    return IcebergParquetSink.recordWriter(outputFile(location), schema, properties);
  }

  private static OutputFile outputFile(String location) throws IOException {
    return LakeLayout.hasScheme(location) && !location.startsWith("file:")
        ? new IcebergParquetSink.ChannelOutputFile(
            FileSystems.create(
                FileSystems.matchNewResource(location, false), "application/octet-stream"))
        : HadoopOutputFile.fromLocation(location, LOCAL.get());
  }

  /**
   * The metrics Iceberg records for a data file, from its footer, under {@code config}: what {@code
   * ParquetUtil.fileMetrics} gives, read with Parquet's plain configuration.
   */
  public static Metrics metrics(InputFile file, MetricsConfig config) {
    ParquetReadOptions options =
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
    try (ParquetFileReader reader = ParquetFileReader.open(new ParquetInput(file), options)) {
      return ParquetUtil.footerMetrics(reader.getFooter(), Stream.empty(), config);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the footer of " + file.location(), e);
    }
  }

  /** The Parquet schema in the footer of {@code file}, field ids and all. */
  public static MessageType schema(InputFile file) {
    ParquetReadOptions options =
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
    try (ParquetFileReader reader = ParquetFileReader.open(new ParquetInput(file), options)) {
      return reader.getFooter().getFileMetaData().getSchema();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the footer of " + file.location(), e);
    }
  }

  /** An Iceberg input file as Parquet reads one. */
  private static final class ParquetInput implements org.apache.parquet.io.InputFile {
    private final InputFile file;

    ParquetInput(InputFile file) {
      this.file = file;
    }

    @Override
    public long getLength() {
      return file.getLength();
    }

    @Override
    public SeekableInputStream newStream() {
      org.apache.iceberg.io.SeekableInputStream in = file.newStream();
      return new DelegatingSeekableInputStream(in) {
        @Override
        public long getPos() throws IOException {
          return in.getPos();
        }

        @Override
        public void seek(long position) throws IOException {
          in.seek(position);
        }
      };
    }
  }
}
