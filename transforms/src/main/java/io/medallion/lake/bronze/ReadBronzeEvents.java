package io.medallion.lake.bronze;

import io.medallion.lake.beam.SplitPerElement;
import io.medallion.lake.events.EventParser;
import io.medallion.lake.layout.LakeLayout;
import io.medallion.lake.progress.FirstRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads the bronze event files of some arrival hours ({@code bronze/events/YYYY/MM/DD/HH/*}), in
 * groups ({@link BronzeFileGroup}: the files {@link BronzeInventory} lists, a group read by one
 * worker), as raw records, one per top-level JSON value ({@link JsonRecordSplitter}: concatenated,
 * one per line or pretty-printed), each tagged with its arrival hour, {@code file:line} and byte
 * offset. A file is gunzipped when its bytes are gzip (one member or several), whatever its name.
 * Files whose name starts with {@code .} or {@code _} (in flight, markers like {@code _SUCCESS},
 * hidden) and files in other sub-folders are skipped: {@link BronzeInventory} states the rule, and
 * silver's report lists what it skipped. Silver reads its groups with {@link #read} inside its own
 * step, which writes each group's files ({@code SilverFiles}); this transform outputs the records.
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
  private static final Counter FILES = Metrics.counter(ReadBronzeEvents.class, "bronze_files_read");
  private static final Counter RECORDS =
      Metrics.counter(ReadBronzeEvents.class, "bronze_records_read");
  private static final Counter UNFRAMED =
      Metrics.counter(ReadBronzeEvents.class, "bronze_unframed_records_read");
  private static final Counter DAMAGED =
      Metrics.counter(ReadBronzeEvents.class, "bronze_files_not_decodable_to_the_end");

  private final List<BronzeFileGroup> groups;

  private ReadBronzeEvents(List<BronzeFileGroup> groups) {
    this.groups = groups;
  }

  /**
   * The records of {@code hours}: the files {@link BronzeInventory} lists for each now, as the
   * pipeline is built, each file its own group.
   *
   * @throws UncheckedIOException when an hour's folder cannot be listed
   */
  public static ReadBronzeEvents forHours(LakeLayout lake, List<Instant> hours) {
    return new ReadBronzeEvents(
        BronzeFileGroup.ofHours(lake, BronzeInventory.ofHours(lake, hours), Integer.MAX_VALUE));
  }

  /**
   * The groups, as a source that splits into one per group ({@link SplitPerElement}): a worker
   * reads the next group when it is done with the last, and the steps after the read run chained to
   * it.
   */
  public static SplitPerElement<BronzeFileGroup> source(List<BronzeFileGroup> groups) {
    return SplitPerElement.of(
        groups, SerializableCoder.of(BronzeFileGroup.class), BronzeFileGroup::bytes);
  }

  @Override
  public PCollection<BronzeRecord> expand(PBegin input) {
    return input
        .apply("ListedFiles", Read.from(source(groups)))
        .apply("ReadRecords", ParDo.of(new ReadRecordsFn()))
        .setCoder(BronzeRecord.Coder.of());
  }

  /** Receives the records of a group's files, file by file, in order. */
  @FunctionalInterface
  public interface RecordSink {
    void accept(BronzeRecord record) throws IOException;
  }

  /**
   * Reads the records of {@code group}'s files, in order of path, into {@code sink}; returns how
   * many. Compression is told from each file's content, not from a {@code .gz} name.
   *
   * @throws IOException naming the file, when one cannot be opened or read (missing, no permission,
   *     storage failing), or when {@code sink} fails
   */
  public static long read(BronzeFileGroup group, RecordSink sink) throws IOException {
    long total = 0;
    for (Map.Entry<String, Long> file : group.files().entrySet()) {
      total += readFile(group.hour(), file.getKey(), file.getValue(), sink);
    }
    return total;
  }

  private static long readFile(Instant hour, String path, long size, RecordSink out)
      throws IOException {
    boolean isUnframed =
        path.substring(0, path.lastIndexOf('/')).endsWith("/" + WriteBronzeFiles.UNFRAMED_FOLDER);
    JsonRecordSplitter.Sink sink =
        isUnframed
            ? (offset, line, bytes) -> {
              FirstRecord.read();
              out.accept(unframedRecord(hour, path, offset, line, bytes));
            }
            : (offset, line, bytes) -> {
              FirstRecord.read();
              out.accept(new BronzeRecord(hour, path + ":" + line, offset, bytes));
            };
    long read;
    ResourceId file = FileSystems.matchNewResource(path, false);
    try (BronzeFileContent content =
        BronzeFileContent.of(Channels.newInputStream(FileSystems.open(file)))) {
      read = JsonRecordSplitter.split(content, sink);
      BronzeFileContent.Damage damage = content.damage();
      if (damage != null) {
        read += undecodableRest(file, size, hour, path, damage, out);
        DAMAGED.inc();
      }
    } catch (IOException e) {
      // Storage failing, or a file gone since it was listed: say which, and fail the run loudly.
      throw new IOException("cannot read bronze file " + path + ": " + e, e);
    }
    FILES.inc();
    RECORDS.inc(read);
    if (isUnframed) {
      UNFRAMED.inc(read);
    }
    return read;
  }

  /** Reads each group's records ({@link #read}). */
  static final class ReadRecordsFn extends DoFn<BronzeFileGroup, BronzeRecord> {
    @ProcessElement
    public void process(@Element BronzeFileGroup group, OutputReceiver<BronzeRecord> out)
        throws IOException {
      read(group, out::output);
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
      ResourceId file,
      long size,
      Instant hour,
      String path,
      BronzeFileContent.Damage damage,
      RecordSink out)
      throws IOException {
    long from = damage.compressedOffset();
    int max = EventParser.MAX_RECORD_BYTES;
    long parts = Math.max(1, (size - from + max - 1) / max);
    try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
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
        out.accept(
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
