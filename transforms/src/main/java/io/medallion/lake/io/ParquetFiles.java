package io.medallion.lake.io;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Opens a matched Parquet file as Avro records through Beam's filesystems (local, S3), for steps
 * that need to know which file a record came from: the partition values are in the path, not in the
 * file. ParquetIO's readers drop the file name.
 */
public final class ParquetFiles {
  private ParquetFiles() {}

  public static ParquetReader<GenericRecord> open(FileIO.ReadableFile file, Schema schema)
      throws IOException {
    Configuration conf = new Configuration(false);
    AvroReadSupport.setRequestedProjection(conf, schema);
    AvroReadSupport.setAvroReadSchema(conf, schema);
    return AvroParquetReader.<GenericRecord>builder(new BeamInputFile(file))
        .withDataModel(GenericData.get())
        .withConf(conf)
        .build();
  }

  private static final class BeamInputFile implements InputFile {
    private final FileIO.ReadableFile file;

    BeamInputFile(FileIO.ReadableFile file) {
      this.file = file;
    }

    @Override
    public long getLength() {
      return file.getMetadata().sizeBytes();
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
      SeekableByteChannel channel = file.openSeekable();
      return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
        @Override
        public long getPos() throws IOException {
          return channel.position();
        }

        @Override
        public void seek(long position) throws IOException {
          channel.position(position);
        }
      };
    }
  }
}
