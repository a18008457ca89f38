package io.medallion.lake.bronze;

import io.medallion.lake.beam.MatchedFiles;
import io.medallion.lake.events.EventParser;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.progress.FirstRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads the bronze event files of some arrival hours ({@code bronze/events/YYYY/MM/DD/HH/*}) as raw
 * records, one per top-level JSON value ({@link JsonRecordSplitter}: concatenated, one per line or
 * pretty-printed), each tagged with its arrival hour, {@code file:line} and byte offset. A file is
 * gunzipped when its bytes are gzip (one member or several), whatever its name. Files whose name
 * starts with {@code .} or {@code _} (in flight, markers like {@code _SUCCESS}, hidden) and files
 * in other sub-folders are skipped: {@link BronzeInventory} states the rule, and silver's report
 * lists what it skipped.
 *
 * <p>Also reads the hour's {@code _unframed/*} files, the records the bronze writer could not frame
 * ({@link WriteBronzeFiles.UnframedLine}): each line is one record with its original bytes, source
 * {@code <unframed file>:<line>}, for the parser to quarantine. A line that is not one the writer
 * wrote is a record too, already rejected as {@code invalid_unframed_line}, its bytes the line's.
 *
 * <p>A gzip file that cannot be decoded to its end ({@link BronzeFileContent}) gives the records of
 * what could be decoded, then its undecodable rest, already rejected as {@code
 * invalid_compression}: source the file, offset the compressed byte it starts at, bytes the
 * compressed bytes exactly, cut into records of at most {@link EventParser#MAX_RECORD_BYTES} each
 * (a big corrupt file is several such records, all accounted, in order of offset). A file that
 * cannot be opened or read (missing, no permission, storage failing) fails the run, naming it.
 */
public final class ReadBronzeEvents extends PTransform<PBegin, PCollection<BronzeRecord>> {
  private final List<String> patterns;

  private ReadBronzeEvents(List<String> patterns) {
    this.patterns = patterns;
  }

  public static ReadBronzeEvents forHours(LakeLayout lake, List<Instant> hours) {
    return new ReadBronzeEvents(
        hours.stream()
            .flatMap(
                h ->
                    Stream.of(
                        lake.bronzeEventsHour(h) + "/*",
                        lake.bronzeEventsHour(h) + "/" + WriteBronzeFiles.UNFRAMED_FOLDER + "/*"))
            .collect(Collectors.toList()));
  }

  @Override
  public PCollection<BronzeRecord> expand(PBegin input) {
    return input
        // One split per file: a worker reads the next file when it is done with the last.
        .apply("MatchFiles", Read.from(MatchedFiles.of(patterns)))
        // Raw bytes: compression is told from the content, not from a .gz name (ReadRecordsFn).
        .apply("OpenFiles", FileIO.readMatches().withCompression(Compression.UNCOMPRESSED))
        .apply("ReadRecords", ParDo.of(new ReadRecordsFn()))
        .setCoder(BronzeRecord.Coder.of());
  }

  /** Splits a file into records with {@link JsonRecordSplitter}. */
  static final class ReadRecordsFn extends DoFn<FileIO.ReadableFile, BronzeRecord> {
    private final Counter files = Metrics.counter(ReadBronzeEvents.class, "bronze_files_read");
    private final Counter records = Metrics.counter(ReadBronzeEvents.class, "bronze_records_read");
    private final Counter unframed =
        Metrics.counter(ReadBronzeEvents.class, "bronze_unframed_records_read");
    private final Counter damaged =
        Metrics.counter(ReadBronzeEvents.class, "bronze_files_not_decodable_to_the_end");

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<BronzeRecord> out)
        throws IOException {
      String path = file.getMetadata().resourceId().toString();
      String name = file.getMetadata().resourceId().getFilename();
      if (!BronzeInventory.isBronzeFile(name)) {
        return;
      }
      String unframedSuffix = "/" + WriteBronzeFiles.UNFRAMED_FOLDER + "/" + name;
      boolean isUnframed = path.endsWith(unframedSuffix);
      Instant hour =
          LakeLayout.bronzeHourOf(
              isUnframed
                  ? path.substring(0, path.length() - unframedSuffix.length()) + "/" + name
                  : path);
      JsonRecordSplitter.Sink sink =
          isUnframed
              ? (offset, line, bytes) -> {
                FirstRecord.read();
                out.output(unframedRecord(hour, path, offset, line, bytes));
              }
              : (offset, line, bytes) -> {
                FirstRecord.read();
                out.output(new BronzeRecord(hour, path + ":" + line, offset, bytes));
              };
      long read;
      BronzeFileContent.Damage damage;
      try (BronzeFileContent content = BronzeFileContent.of(Channels.newInputStream(file.open()))) {
        read = JsonRecordSplitter.split(content, sink);
        damage = content.damage();
        if (damage != null) {
          read += undecodableRest(file, hour, path, damage, out);
          damaged.inc();
        }
      } catch (IOException e) {
        // Storage failing, or a file gone since it was listed: say which, and fail the run loudly.
        throw new IOException("cannot read bronze file " + path + ": " + e, e);
      }
      files.inc();
      records.inc(read);
      if (isUnframed) {
        unframed.inc(read);
      }
    }

    /**
     * The record a line of an {@code _unframed/} file stands for: the writer's record, or the line
     * itself when it is not one the writer wrote.
     */
    static BronzeRecord unframedRecord(
        Instant hour, String path, long offset, long line, byte[] bytes) {
      String source = path + ":" + line;
      try {
        WriteBronzeFiles.UnframedLine unframed = WriteBronzeFiles.UnframedLine.fromJson(bytes);
        if (!unframed.arrival().truncatedTo(ChronoUnit.HOURS).equals(hour)) {
          throw new IllegalArgumentException(
              "arrival " + unframed.arrival() + " is not in the folder's hour " + hour);
        }
        return new BronzeRecord(hour, source, offset, unframed.raw());
      } catch (IllegalArgumentException e) {
        return new BronzeRecord(
            hour,
            source,
            offset,
            bytes,
            new EventParser.Rejection(EventParser.Reason.INVALID_UNFRAMED_LINE, e.getMessage()));
      }
    }

    /**
     * Outputs the compressed bytes from {@code damage}'s offset to the end of the file, exactly, in
     * records of at most {@link EventParser#MAX_RECORD_BYTES}; returns how many.
     */
    private static long undecodableRest(
        FileIO.ReadableFile file,
        Instant hour,
        String path,
        BronzeFileContent.Damage damage,
        OutputReceiver<BronzeRecord> out)
        throws IOException {
      long size = file.getMetadata().sizeBytes();
      long from = damage.compressedOffset();
      int max = EventParser.MAX_RECORD_BYTES;
      long parts = Math.max(1, (size - from + max - 1) / max);
      try (InputStream in = Channels.newInputStream(file.open())) {
        in.skipNBytes(from);
        for (long part = 1; part <= parts; part++) {
          long at = from + (part - 1) * max;
          int length = (int) Math.min(max, size - at);
          byte[] bytes = in.readNBytes(length);
          if (bytes.length != length || (part == parts && in.read() >= 0)) {
            throw new IOException("the file changed while it was read (it had " + size + " bytes)");
          }
          String detail =
              String.format(
                  Locale.ROOT,
                  "%s; compressed bytes %d to %d of %d%s",
                  damage.detail(),
                  at,
                  at + length,
                  size,
                  parts > 1 ? ", part " + part + " of " + parts : "");
          out.output(
              new BronzeRecord(
                  hour,
                  path,
                  at,
                  bytes,
                  new EventParser.Rejection(EventParser.Reason.INVALID_COMPRESSION, detail)));
        }
      }
      return parts;
    }
  }
}
