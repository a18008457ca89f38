package io.medallion.lake.write;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetAvroWriter;

/**
 * A Beam {@link FileIO.Sink} that writes Avro rows with Apache Iceberg's own Parquet writer, so
 * every file carries Iceberg's field ids and all the table's columns, partition columns included,
 * and any engine reads it on its own (Beam's {@code ParquetIO.sink} writes no field ids).
 *
 * <p>Rows must be records whose fields are in the order of {@code schema} (a {@link
 * io.medallion.lake.table.TableAtStart#writeSchema()}); strings as {@code CharSequence}, timestamps
 * as microseconds since the epoch ({@code long}), dates as days since the epoch ({@code int}). The
 * table's {@code properties} choose the compression (Snappy) and the column metrics.
 *
 * <p>{@link #flush()} finishes the file and closes the channel, as {@code ParquetIO.sink} does (a
 * Parquet footer is written on close); Beam does not close a channel twice.
 */
public final class IcebergParquetSink implements FileIO.Sink<GenericRecord> {
  private static final long serialVersionUID = 1L;

  private final Schema schema;
  private final Map<String, String> properties;
  private transient FileAppender<GenericRecord> appender;

  public IcebergParquetSink(Schema schema, Map<String, String> properties) {
    this.schema = schema;
    this.properties = Map.copyOf(properties);
  }

  @Override
  public void open(WritableByteChannel channel) throws IOException {
    appender = writer(new ChannelOutputFile(channel), schema, properties);
  }

  /** Iceberg's Parquet writer of Avro rows of {@code schema} into {@code file}. */
  public static FileAppender<GenericRecord> writer(
      OutputFile file, Schema schema, Map<String, String> properties) throws IOException {
    return Parquet.write(file)
        .schema(schema)
        .setAll(properties)
        .metricsConfig(MetricsConfig.from(properties, schema, SortOrder.unsorted()))
        .createWriterFunc(ParquetAvroWriter::buildWriter)
        .overwrite()
        .build();
  }

  /** Iceberg's Parquet writer of Iceberg generic records of {@code schema} into {@code file}. */
  public static FileAppender<Record> recordWriter(
      OutputFile file, Schema schema, Map<String, String> properties) throws IOException {
    return Parquet.write(file)
        .schema(schema)
        .setAll(properties)
        .metricsConfig(MetricsConfig.from(properties, schema, SortOrder.unsorted()))
        .createWriterFunc(type -> GenericParquetWriter.create(schema, type))
        .overwrite()
        .build();
  }

  @Override
  public void write(GenericRecord element) {
    appender.add(element);
  }

  @Override
  public void flush() throws IOException {
    appender.close();
  }

  /** An Iceberg {@link OutputFile} over a channel Beam opened: it can be created once, not read. */
  static final class ChannelOutputFile implements OutputFile {
    private final WritableByteChannel channel;

    ChannelOutputFile(WritableByteChannel channel) {
      this.channel = channel;
    }

    @Override
    public PositionOutputStream create() {
      return new ChannelPositionOutputStream(Channels.newOutputStream(channel));
    }

    @Override
    public PositionOutputStream createOrOverwrite() {
      return create();
    }

    @Override
    public String location() {
      return "a channel opened by Beam's FileIO";
    }

    @Override
    public InputFile toInputFile() {
      throw new UnsupportedOperationException("a Beam channel is written once, not read back");
    }
  }

  /** Counts the bytes written: Parquet records its column chunks by offset. */
  static final class ChannelPositionOutputStream extends PositionOutputStream {
    private final OutputStream out;
    private long position;

    ChannelPositionOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      position++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      position += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
