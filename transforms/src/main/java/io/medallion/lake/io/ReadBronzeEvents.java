package io.medallion.lake.io;

import io.medallion.lake.layout.LakeLayout;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.Compression;
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
 * Reads the bronze event files of some arrival hours ({@code bronze/events/YYYY/MM/DD/HH/*}) as raw
 * records, one per top-level JSON value ({@link JsonRecordSplitter}: concatenated, one per line or
 * pretty-printed), each tagged with its arrival hour, {@code file:line} and byte offset. A file is
 * gunzipped when its bytes are gzip (one member or several), whatever its name. Files whose name
 * starts with {@code .} or {@code _} are in-flight or hidden and are skipped.
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
        // Raw bytes: compression is told from the content, not from a .gz name (ReadRecordsFn).
        .apply("OpenFiles", FileIO.readMatches().withCompression(Compression.UNCOMPRESSED))
        // One element per file: spread the files over workers before the heavy reading.
        .apply("SpreadFiles", Reshuffle.viaRandomKey())
        .apply("ReadRecords", ParDo.of(new ReadRecordsFn()))
        .setCoder(BronzeRecord.Coder.of());
  }

  /** Splits a file into records with {@link JsonRecordSplitter}. */
  static final class ReadRecordsFn extends DoFn<FileIO.ReadableFile, BronzeRecord> {
    private final Counter files = Metrics.counter(ReadBronzeEvents.class, "bronze_files_read");
    private final Counter records = Metrics.counter(ReadBronzeEvents.class, "bronze_records_read");

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<BronzeRecord> out)
        throws IOException {
      String path = file.getMetadata().resourceId().toString();
      String name = file.getMetadata().resourceId().getFilename();
      if (!BronzeInventory.isBronzeFile(name)) {
        return;
      }
      Instant hour = LakeLayout.bronzeHourOf(path);
      long read;
      try (InputStream in = JsonRecordSplitter.decompressed(file.open())) {
        read =
            JsonRecordSplitter.split(
                in,
                (offset, line, bytes) ->
                    out.output(new BronzeRecord(hour, path + ":" + line, offset, bytes)));
      } catch (IOException e) {
        // A corrupt gzip stream, or storage failing: say which file, and fail the run loudly.
        throw new IOException("cannot read bronze file " + path + ": " + e.getMessage(), e);
      }
      files.inc();
      records.inc(read);
    }
  }
}
