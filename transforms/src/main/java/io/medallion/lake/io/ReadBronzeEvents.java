package io.medallion.lake.io;

import io.medallion.lake.layout.LakeLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads the bronze event files of some arrival hours ({@code bronze/events/YYYY/MM/DD/HH/*}, plain
 * or gzip) as raw records, one per line, each tagged with its arrival hour and {@code file:line}.
 * Files whose name starts with {@code .} or {@code _} are in-flight or hidden and are skipped.
 */
public final class ReadBronzeEvents extends PTransform<PBegin, PCollection<BronzeRecord>> {
  private final List<String> patterns;

  private ReadBronzeEvents(List<String> patterns) {
    this.patterns = patterns;
  }

  public static ReadBronzeEvents forHours(LakeLayout lake, List<Instant> hours) {
    return new ReadBronzeEvents(
        hours.stream().map(h -> lake.bronzeEventsHour(h) + "/*").collect(Collectors.toList()));
  }

  @Override
  public PCollection<BronzeRecord> expand(PBegin input) {
    return input
        .apply("HourPatterns", Create.of(patterns))
        .apply("MatchFiles", FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("OpenFiles", FileIO.readMatches())
        // One element per file: spread the files over workers before the heavy reading.
        .apply("SpreadFiles", Reshuffle.viaRandomKey())
        .apply("ReadLines", ParDo.of(new ReadLinesFn()))
        .setCoder(BronzeRecord.Coder.of());
  }

  /** Splits a file into records on {@code \n}, dropping a trailing {@code \r} (CRLF files). */
  static final class ReadLinesFn extends DoFn<FileIO.ReadableFile, BronzeRecord> {
    private final Counter files = Metrics.counter(ReadBronzeEvents.class, "bronze_files_read");
    private final Counter records = Metrics.counter(ReadBronzeEvents.class, "bronze_records_read");

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<BronzeRecord> out)
        throws IOException {
      String path = file.getMetadata().resourceId().toString();
      String name = file.getMetadata().resourceId().getFilename();
      if (name == null || name.startsWith(".") || name.startsWith("_")) {
        return;
      }
      Instant hour = LakeLayout.bronzeHourOf(path);
      long line = 0;
      try (InputStream in = Channels.newInputStream(file.open())) {
        ByteArrayOutputStream record = new ByteArrayOutputStream(1024);
        byte[] chunk = new byte[1 << 16];
        int n;
        while ((n = in.read(chunk)) != -1) {
          int start = 0;
          for (int i = 0; i < n; i++) {
            if (chunk[i] == '\n') {
              record.write(chunk, start, i - start);
              out.output(new BronzeRecord(hour, path + ":" + ++line, withoutCr(record)));
              record.reset();
              start = i + 1;
            }
          }
          record.write(chunk, start, n - start);
        }
        if (record.size() > 0) {
          out.output(new BronzeRecord(hour, path + ":" + ++line, withoutCr(record)));
        }
      }
      files.inc();
      records.inc(line);
    }

    private static byte[] withoutCr(ByteArrayOutputStream buffer) {
      byte[] bytes = buffer.toByteArray();
      if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
        return java.util.Arrays.copyOf(bytes, bytes.length - 1);
      }
      return bytes;
    }
  }
}
